// The window's DICOM SEG and PACS actions: a SEG opened onto the DICOM series shown, the labels saved as a SEG
// of it or sent to a PACS node, and the PACS browser, whose retrieved series open here.
#include <QInputDialog>
#include <QStatusBar>

#include "dicom_seg_labels.h"
#include "main_window.h"
#include "pacs_browser.h"
#include "segmentation_panel.h"

namespace krait::studio {

QString MainWindow::requireDicomSeries(const QString& action, bool quiet) {
  if (series_) return {};
  return fail(action,
              state_.hasImage() ? "A DICOM SEG belongs to the DICOM series it was made from, and the open image is not "
                                  "DICOM: open the series (File > Open DICOM folder…) first."
                                : "Open the DICOM series first (File > Open DICOM folder…).",
              quiet);
}

QString MainWindow::openSeg(const QString& path, bool quiet) {
  if (const QString why = requireDicomSeries("Open DICOM SEG", quiet); !why.isEmpty()) return why;
  SegLabels seg;
  try {
    seg = readSegLabels(path.toStdString(), *series_);
    state_.loadLabels(seg.labels, path.toStdString());
  } catch (const std::exception& e) {
    return fail("Open DICOM SEG", QString("Cannot open %1:\n%2").arg(path, e.what()), quiet);
  }
  // The SEG's segments are the whole table now: names left from an earlier map would be wrong.
  state_.segments().clear();
  state_.segments().describe(seg.segments);
  labelsPath_.clear();  // Save label map writes NIfTI, never over the SEG
  panel_->updateButtons();
  labelsChanged();
  QString said = QString("Opened %1 (%2 segments)").arg(path).arg(seg.segments.size());
  for (const std::string& note : seg.notes) said += "; " + QString::fromStdString(note);
  statusBar()->showMessage(said, 8000);
  return {};
}

QString MainWindow::saveSeg(const QString& path, bool quiet) {
  if (const QString why = requireDicomSeries("Save as DICOM SEG", quiet); !why.isEmpty()) return why;
  try {
    writeSeg(segDocument(state_, *series_), path.toStdString());
  } catch (const std::exception& e) {
    return fail("Save as DICOM SEG", QString("Cannot save %1:\n%2").arg(path, e.what()), quiet);
  }
  // The edits are kept in a file, as when saved as a label map.
  state_.labels().markSaved();
  setWindowModified(false);
  statusBar()->showMessage("Saved DICOM SEG to " + path, 8000);
  return {};
}

QString MainWindow::sendSegToPacs(const QString& node, bool quiet) {
  const QString action = "Send SEG to PACS";
  if (const QString why = requireDicomSeries(action, quiet); !why.isEmpty()) return why;
  PacsBrowser* browser = pacsBrowser();
  if (browser->nodes().isEmpty()) return fail(action, "There is no PACS node to send to:\n" + browser->message(), quiet);
  if (browser->busy()) return fail(action, "The PACS browser is busy with another request: send when it is done.", quiet);
  SegDocument seg;
  try {
    seg = segDocument(state_, *series_);
  } catch (const std::exception& e) {
    return fail(action, QString("Cannot make the SEG:\n%1").arg(e.what()), quiet);
  }
  QString target = node;
  if (target.isEmpty()) {
    // Patient data leaves the workstation: the node is always confirmed.
    const QStringList nodes = browser->nodes();
    bool ok = false;
    target = QInputDialog::getItem(this, action, "Send the SEG to the node", nodes,
                                   std::max<qsizetype>(0, nodes.indexOf(browser->currentNode())), false, &ok);
    if (!ok) return {};
  }
  browser->sendSeg(target, std::move(seg));
  statusBar()->showMessage("Sending the SEG to " + target + "…");
  return {};
}

PacsBrowser* MainWindow::pacsBrowser() {
  if (pacs_) return pacs_;
  pacs_ = new PacsBrowser(this);
  pacs_->setObjectName("pacsBrowser");
  connect(pacs_, &PacsBrowser::seriesRetrieved, this,
          [this](const QString& folder, const QString& seriesUid) { openPath(folder, false, seriesUid.toStdString()); });
  connect(pacs_, &PacsBrowser::segSent, this, [this](const QString& outcome) { statusBar()->showMessage(outcome, 8000); });
  return pacs_;
}

}  // namespace krait::studio
