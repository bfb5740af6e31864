#include "main_window.h"

#include <QComboBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QLabel>
#include <QMimeData>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>
#include <QToolBar>

#include <filesystem>

#include "krait/core/error.h"
#include "krait/io/dicom.h"
#include "krait/io/volume_io.h"
#include "series_picker.h"
#include "slice_view.h"

namespace krait::studio {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle("Krait Studio");
  auto* grid = new QWidget(this);
  auto* layout = new QGridLayout(grid);
  layout->setSpacing(2);
  layout->setContentsMargins(2, 2, 2, 2);
  const ViewPlane planes[] = {ViewPlane::Axial, ViewPlane::Coronal, ViewPlane::Sagittal};
  for (int i = 0; i < 3; ++i) {
    views_[i] = new SliceView(state_, planes[i], grid);
    views_[i]->setObjectName(viewPlaneName(planes[i]));
    connect(views_[i], &SliceView::stateChanged, this, &MainWindow::refresh);
    layout->addWidget(views_[i], i / 2, i % 2);
  }
  setCentralWidget(grid);

  auto* file = menuBar()->addMenu("&File");
  file->addAction("&Open image…", QKeySequence::Open, this, &MainWindow::openFromDialog);
  file->addAction("Open &DICOM folder…", this, &MainWindow::openFolderFromDialog);
  file->addSeparator();
  file->addAction("&Quit", QKeySequence::Quit, this, &QWidget::close);

  auto* toolbar = addToolBar("Window");
  toolbar->addWidget(new QLabel("Window: ", toolbar));
  presets_ = new QComboBox(toolbar);
  presets_->setObjectName("presets");
  presets_->addItem("Image percentiles (MR)");
  for (const auto& preset : ctPresets()) presets_->addItem(QString::fromStdString(preset.name));
  connect(presets_, &QComboBox::activated, this, &MainWindow::applyPreset);
  toolbar->addWidget(presets_);

  readout_ = new QLabel(this);
  readout_->setObjectName("readout");
  statusBar()->addPermanentWidget(readout_, 1);
  chooseSeries_ = [this](const std::vector<SeriesRow>& rows) { return pickSeries(rows, this); };
  setAcceptDrops(true);
  resize(1000, 800);
}

QString MainWindow::openPath(const QString& path, bool quiet) {
  const std::filesystem::path file = path.toStdString();
  try {
    if (!std::filesystem::is_directory(file)) {
      showImage(io::readVolume(file), path);
      return {};
    }
    const io::DicomScan scan = io::scanDicom(file);
    const std::vector<SeriesRow> rows = seriesRows(scan);
    if (rows.empty()) throw inputError(file.string(), "holds no DICOM series with images");
    const std::optional<std::string> uid = rows.size() == 1 ? rows[0].uid : chooseSeries_(rows);
    if (!uid) return {};
    showImage(io::loadDicomSeries(io::selectSeries(scan, *uid, file)), path);
  } catch (const std::exception& e) {
    const QString message = QString("Cannot open %1:\n%2").arg(path, e.what());
    if (!quiet) QMessageBox::critical(this, "Open", message);
    return message;
  }
  return {};
}

void MainWindow::showImage(Volume image, const QString& path) {
  state_.setImage(std::move(image));
  setWindowTitle(QFileInfo(path).fileName() + " — Krait Studio");
  presets_->setCurrentIndex(0);
  refresh();
}

void MainWindow::openFromDialog() {
  const QString path = QFileDialog::getOpenFileName(this, "Open image", QString(),
                                                    "Images (*.nii *.nii.gz *.nrrd *.nhdr *.mha *.mhd *.dcm);;All files (*)");
  if (!path.isEmpty()) openPath(path);
}

void MainWindow::openFolderFromDialog() {
  const QString path = QFileDialog::getExistingDirectory(this, "Open DICOM folder");
  if (!path.isEmpty()) openPath(path);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls() && event->mimeData()->urls().front().isLocalFile()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  const auto urls = event->mimeData()->urls();
  if (urls.isEmpty() || !urls.front().isLocalFile()) return;
  event->acceptProposedAction();
  openPath(urls.front().toLocalFile());
}

void MainWindow::applyPreset(int index) {
  if (!state_.hasImage()) return;
  state_.setWindow(index == 0 ? percentileWindow(state_.image()) : ctPresets()[index - 1].window);
  refresh();
}

QString MainWindow::statusText() const { return readout_->text(); }

void MainWindow::refresh() {
  if (state_.hasImage()) readout_->setText(QString::fromStdString(state_.statusText()));
  for (auto* v : views_) v->update();
}

}  // namespace krait::studio
