#pragma once
// The Segment panel: model picker (the model store, or any nnU-Net model folder), device picker (CPU, and
// each CUDA device the engine sees), precision (on a GPU), test-time mirroring (on, as nnU-Net; off for
// speed), Run with a progress bar and Cancel, then Accept or Discard the preview. The run is a SegmentationJob
// on its own thread; a timer polls it, so the window stays responsive.
#include <QWidget>

#include "segmentation_job.h"
#include "viewer_state.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QTimer;

namespace krait::studio {

class SegmentationPanel : public QWidget {
  Q_OBJECT
 public:
  SegmentationPanel(ViewerState& state, QWidget* parent = nullptr);
  // Re-reads the model store (KRAIT_MODELS or ~/.local/share/krait/models).
  void reloadModels();
  // Adds a model folder to the picker and selects it.
  void addModelFolder(const QString& folder);
  void run();
  // What Run would ask the engine for, from the device, precision and mirroring controls.
  SegmenterOptions options() const;
  bool running() const { return job_ && job_->status().running; }
  // The job behind the panel (for tests that need its state before the panel has looked).
  const SegmentationJob* job() const { return job_.get(); }
  // Stops a run whose image is going away and drops its result.
  void abandon();
  // Enables the buttons that make sense now (after an image opened, a preview came or went).
  void updateButtons();
  QString message() const;

 Q_SIGNALS:
  void previewChanged();  // a preview appeared, was accepted or discarded
  void accepted();        // the label map changed

 private:
  void poll();
  void finish();

  ViewerState& state_;
  std::unique_ptr<SegmentationJob> job_;
  // Cancel was pressed for this run: a result that arrives anyway (the run ended before it saw the flag, or
  // before this panel looked) is dropped, so a cancelled run never shows a preview.
  bool cancelRequested_ = false;
  QComboBox* models_ = nullptr;
  QComboBox* devices_ = nullptr;
  QComboBox* precision_ = nullptr;
  QCheckBox* mirroring_ = nullptr;
  QPushButton *run_ = nullptr, *cancel_ = nullptr, *accept_ = nullptr, *discard_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QLabel* message_ = nullptr;
  QTimer* timer_ = nullptr;
};

}  // namespace krait::studio
