#include "main_window.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>
#include <QToolBar>

#include "krait/io/volume_io.h"
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
  resize(1000, 800);
}

QString MainWindow::openImage(const QString& path, bool quiet) {
  try {
    state_.setImage(io::readVolume(path.toStdString()));
  } catch (const std::exception& e) {
    const QString message = QString("Cannot open %1:\n%2").arg(path, e.what());
    if (!quiet) QMessageBox::critical(this, "Open image", message);
    return message;
  }
  setWindowTitle(QFileInfo(path).fileName() + " — Krait Studio");
  presets_->setCurrentIndex(0);
  refresh();
  return {};
}

void MainWindow::openFromDialog() {
  const QString path = QFileDialog::getOpenFileName(this, "Open image", QString(),
                                                    "Images (*.nii *.nii.gz *.nrrd *.nhdr *.mha *.mhd);;All files (*)");
  if (!path.isEmpty()) openImage(path);
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
