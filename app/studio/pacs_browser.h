#pragma once
// The PACS browser (File > Open from PACS…): the nodes of the PACS settings file (docs/pacs.md) with each one's
// AE title and address, Echo, a study query by patient ID, name and date, the series of the chosen study, and
// Retrieve, which fetches the series into the cache and hands it to the window to open. It also sends the
// window's SEGs. Every request runs on a PacsWorker's thread, polled by a timer, so the window never freezes;
// results and the library's error messages show in the browser's message line.
#include <QDialog>

#include <memory>

#include "pacs_worker.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTableWidget;
class QTimer;

namespace krait::studio {

class PacsBrowser : public QDialog {
  Q_OBJECT
 public:
  explicit PacsBrowser(QWidget* parent = nullptr);
  ~PacsBrowser() override;
  // Reads the settings file (io::pacsSettingsFile() when `file` is empty) and lists its nodes. Returns the
  // error, also shown in the browser; empty on success. Refused (returned) while a request runs.
  QString loadSettings(const QString& file = {});
  QStringList nodes() const;
  QString currentNode() const;

  // What the buttons do, for the menus and tests; each is ignored while a request runs.
  void echo();
  void searchStudies();
  void searchSeries();  // of the chosen study
  void retrieve();      // the chosen series
  // Sends the SEG to `node` (and shows the browser, where the outcome appears).
  void sendSeg(const QString& node, SegDocument seg);

  bool busy() const { return worker_ && worker_->busy(); }
  QString message() const;

 Q_SIGNALS:
  void seriesRetrieved(const QString& folder, const QString& seriesUid);
  void segSent(const QString& outcome);  // what the message line says once the SEG went, or did not

 private:
  bool begin(const QString& doing);
  void poll();
  void finish(const PacsResult& result);
  void showNode();
  void updateButtons();
  void say(const QString& text, bool error = false);

  std::unique_ptr<PacsWorker> worker_;
  std::vector<PacsRow> studies_, series_;
  QString studyUid_;  // of the series listed
  QLabel *settingsFile_ = nullptr, *nodeDetails_ = nullptr, *message_ = nullptr;
  QComboBox* node_ = nullptr;
  QLineEdit *patientId_ = nullptr, *patientName_ = nullptr, *date_ = nullptr;
  QPushButton *reload_ = nullptr, *echo_ = nullptr, *search_ = nullptr, *retrieve_ = nullptr;
  QTableWidget *studyTable_ = nullptr, *seriesTable_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QTimer* timer_ = nullptr;
};

}  // namespace krait::studio
