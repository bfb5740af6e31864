// krait-studio's ECG panel (registered by the plugin through Host::panel<EcgPanel>): an ECG file on paper
// (EcgView) with its layout, speed, gain and screen-scale selectors and PNG/PDF export, and a "Classify" group that
// runs an ECG model folder (EcgClassifier) on it off the GUI thread and shows per-class probability bars against
// their thresholds, grouped as spec plugins.md §1.4, with the model's intended use, the pre-processing notes and
// the heart rate. Every error is said in the panel; nothing is thrown out of a Qt slot.
#pragma once

// LibTorch before Qt: Qt's `slots` keyword macro breaks LibTorch's headers (or build with QT_NO_KEYWORDS).
#include "classifier.h"
#include "host_scan.h"
#include "record.h"

#include <QString>
#include <QWidget>

#include <memory>
#include <string>
#include <vector>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QThread;

namespace krait::ecg {

class EcgView;
class ProbabilityBars;      // ecg_panel.cpp
struct ClassificationJob;  // ecg_panel.cpp

// One class of a classification as the panel lists it.
struct ClassResult {
  std::string group;  // classes.h's display group ("rhythm", ...) for the challenge's 26 classes, else "other"
  std::string abbreviation, name, codes;  // codes: "a|b" for equivalent ones
  double probability = 0.0, threshold = 0.0;
  bool present = false;
};

// The model's classes with their results, by display group (rhythm, conduction, axis, ectopy, morphology, then
// other), in the model's order within a group.
std::vector<ClassResult> groupedResults(const ModelSpec& spec, const Classification& classification);

class EcgPanel : public QWidget {
 public:
  // scan: the selective scan the model's network runs on; in krait-studio the host's, in tests Krait's own.
  explicit EcgPanel(QWidget* parent = nullptr, SelectiveScan scan = hostScan());
  ~EcgPanel() override;  // waits for a classification still running

  // For Host::panel<EcgPanel>: the panel's QWidget*, and a file of the plugin's waveform kind to show.
  static void* create(void* parentWidget);
  static void open(void* panel, const std::string& path);

  // Reads the file (readEcg) and shows it; false, with the reason in the panel, when it cannot be read.
  bool openFile(const std::string& path);
  // Classifies the open recording with the model folder of the panel's field, off the GUI thread; false, with
  // the reason in the panel, when it cannot start (no recording, no model folder, one already running).
  bool classify();
  bool classifying() const { return worker_ != nullptr; }
  // The last classification's classes, empty when none or when it failed.
  const std::vector<ClassResult>& results() const { return results_; }

  // The paper as shown (layout, speed, gain, window); false, with the reason in the panel, when writing fails.
  bool exportPng(const QString& path, double dpi);
  bool exportPdf(const QString& path);

  EcgView* view() const { return view_; }
  // The error the panel shows, empty when none.
  QString errorText() const;

 private:
  void applyPaper();
  void showError(const QString& message);
  void finishClassification(const std::shared_ptr<ClassificationJob>& job);

  SelectiveScan scan_;
  std::shared_ptr<const Record> record_;
  std::vector<ClassResult> results_;
  QThread* worker_ = nullptr;

  EcgView* view_;
  QLabel* file_;
  QLabel* error_;
  QComboBox* layout_;
  QComboBox* speed_;
  QComboBox* gain_;
  QDoubleSpinBox* start_;
  QDoubleSpinBox* pixelsPerMm_;
  QSpinBox* dpi_;
  QLineEdit* model_;
  QComboBox* device_;
  QPushButton* classify_;
  QLabel* heartRate_;
  QLabel* status_;
  QLabel* modelInfo_;
  QLabel* notes_;
  ProbabilityBars* bars_;
};

}  // namespace krait::ecg
