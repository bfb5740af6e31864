#include "main_window.h"

#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMimeData>
#include <QSettings>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

#include <filesystem>

#include "dicom_seg_labels.h"
#include "krait/base/atomic_output.h"
#include "krait/base/error.h"
#include "krait/engine/build_info.h"
#include "krait/io/dicom.h"
#include "krait/io/volume_io.h"
#include "label_grid.h"
#include "label_table.h"
#include "pacs_browser.h"
#include "plugin_docks.h"
#include "recent_files.h"
#include "segment_table.h"
#include "segmentation_panel.h"
#include "series_picker.h"
#include "slice_view.h"
#include "three_d_view.h"
#include "vtk/label_surface.h"

namespace krait::studio {

namespace {
const char* kImageFilter = "Images (*.nii *.nii.gz *.nrrd *.nhdr *.mha *.mhd *.dcm);;All files (*)";
const char* kLabelFilter = "Label maps (*.nii.gz *.nii *.nrrd *.mha);;All files (*)";
const char* kSegFilter = "DICOM SEG (*.dcm);;All files (*)";
}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle("Krait Studio[*]");
  auto* grid = new QWidget(this);
  auto* layout = new QGridLayout(grid);
  layout->setSpacing(2);
  layout->setContentsMargins(2, 2, 2, 2);
  const ViewPlane planes[] = {ViewPlane::Axial, ViewPlane::Coronal, ViewPlane::Sagittal};
  for (int i = 0; i < 3; ++i) {
    views_[i] = new SliceView(state_, planes[i], grid);
    views_[i]->setObjectName(viewPlaneName(planes[i]));
    connect(views_[i], &SliceView::stateChanged, this, &MainWindow::refresh);
    connect(views_[i], &SliceView::labelsEdited, this, &MainWindow::labelsChanged);
    layout->addWidget(views_[i], i / 2, i % 2);
  }
  // Qt crashes showing an OpenGL widget where the platform has no OpenGL (`offscreen`): say so instead.
  if (VtkWidget::openGLAvailable()) {
    threeD_ = new ThreeDView(grid);
    threeD_->setObjectName("threeD");
    threeD_->setMinimumSize(160, 160);
    layout->addWidget(threeD_, 1, 1);
  } else {
    auto* none = new QLabel("No 3D view: this display has no OpenGL 3.2", grid);
    none->setAlignment(Qt::AlignCenter);
    layout->addWidget(none, 1, 1);
  }
  setCentralWidget(grid);

  auto* side = new QWidget(this);
  auto* sideLayout = new QVBoxLayout(side);
  sideLayout->setContentsMargins(0, 0, 0, 0);
  panel_ = new SegmentationPanel(state_, side);
  table_ = new SegmentTable(state_, side);
  sideLayout->addWidget(panel_);
  sideLayout->addWidget(table_, 1);
  auto* dock = new QDockWidget("Segment", this);
  dock->setObjectName("segmentDock");
  dock->setWidget(side);
  dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
  addDockWidget(Qt::RightDockWidgetArea, dock);
  connect(panel_, &SegmentationPanel::previewChanged, this, &MainWindow::labelsChanged);
  // Opacity is only the slices'; visibility also changes which surfaces the 3D view shows.
  connect(table_, &SegmentTable::opacityChanged, this, &MainWindow::refresh);
  connect(table_, &SegmentTable::visibilityChanged, this, [this] {
    refresh();
    surfaceTimer_->start();
  });

  pluginDocks_ = new PluginDocks(this);
  if (!pluginDocks_->errors().isEmpty()) statusBar()->showMessage("Plugin panels left out: " + pluginDocks_->errors().trimmed());

  surfaceTimer_ = new QTimer(this);
  surfaceTimer_->setSingleShot(true);
  surfaceTimer_->setInterval(250);  // strokes in quick succession rebuild the surfaces once
  connect(surfaceTimer_, &QTimer::timeout, this, &MainWindow::updateSurfaces);

  buildMenus();
  buildToolBars();
  connect(table_, &SegmentTable::labelChosen, brushLabel_, [this](int64_t label) { brushLabel_->setValue(static_cast<int>(label)); });
  readout_ = new QLabel(this);
  readout_->setObjectName("readout");
  statusBar()->addPermanentWidget(readout_, 1);
  chooseSeries_ = [this](const std::vector<SeriesRow>& rows) { return pickSeries(rows, this); };
  unsavedPrompt_ = [this] {
    return QMessageBox::warning(this, "Unsaved labels", "The label map has changes, or a segmentation preview, that are not saved.",
                                QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
  };
  resamplePrompt_ = [this](const QString& differences) {
    return QMessageBox::question(this, "Label map on another grid",
                                 "The label map lies on another grid than the image:\n" + differences +
                                     "\n\nResample it onto the image's grid (nearest neighbour)?") == QMessageBox::Yes;
  };
  updateStartText();
  setAcceptDrops(true);
  resize(1280, 860);
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus() {
  auto* file = menuBar()->addMenu("&File");
  file->addAction("&Open image…", QKeySequence::Open, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, "Open image", QString(), kImageFilter);
    if (!path.isEmpty()) openPath(path);
  });
  file->addAction("Open &DICOM folder…", this, [this] {
    const QString path = QFileDialog::getExistingDirectory(this, "Open DICOM folder");
    if (!path.isEmpty()) openPath(path);
  });
  file->addAction("Open from &PACS…", this, [this] {
        pacsBrowser()->show();
        pacsBrowser()->raise();
      })->setObjectName("openPacs");
  recentMenu_ = file->addMenu("Open &recent");
  fillRecentMenu();
  file->addSeparator();
  file->addAction("Open &label map…", this, [this] {
    if (!state_.hasImage() || !confirmDiscardingEdits()) return;
    const QString path = QFileDialog::getOpenFileName(this, "Open label map", QString(), kLabelFilter);
    if (!path.isEmpty()) openLabels(path);
  });
  file->addAction("Open label &names…", this, [this] {
    if (!state_.hasImage()) return;
    const QString path = QFileDialog::getOpenFileName(this, "Open label names", QString(),
                                                      "Label tables (*.txt *.ctbl *.lut *.label);;All files (*)");
    if (!path.isEmpty()) openLabelNames(path);
  });
  file->addAction("Open DICOM S&EG…", this, [this] {
    if (!requireDicomSeries("Open DICOM SEG", false).isEmpty() || !confirmDiscardingEdits()) return;
    const QString path = QFileDialog::getOpenFileName(this, "Open DICOM SEG", QString(), kSegFilter);
    if (!path.isEmpty()) openSeg(path);
  });
  file->addAction("&Save label map", QKeySequence::Save, this, [this] {
    const QString path = labelsPath_.isEmpty() ? chooseSaveLabelsPath() : labelsPath_;
    if (!path.isEmpty()) saveLabels(path);
  });
  file->addAction("Save label map &as…", QKeySequence::SaveAs, this, [this] {
    const QString path = chooseSaveLabelsPath();
    if (!path.isEmpty()) saveLabels(path);
  });
  file->addAction("Save as DICOM SE&G…", this, [this] {
    if (!requireDicomSeries("Save as DICOM SEG", false).isEmpty()) return;
    const QString path = QFileDialog::getSaveFileName(this, "Save as DICOM SEG", QFileInfo(imagePath_).fileName() + "_seg.dcm", kSegFilter);
    if (!path.isEmpty()) saveSeg(path);
  });
  file->addAction("Sen&d SEG to PACS…", this, [this] { sendSegToPacs({}); });
  file->addAction("&Export label as STL…", this, [this] {
    if (!state_.hasImage()) return;
    bool ok = false;
    const int label = QInputDialog::getInt(this, "Export STL", "Label", static_cast<int>(std::max<int64_t>(table_->selectedLabel(), 1)), 1,
                                           65535, 1, &ok);
    if (!ok) return;
    const QString path = QFileDialog::getSaveFileName(this, "Export STL", QString("label_%1.stl").arg(label), "STL (*.stl)");
    if (!path.isEmpty()) exportStl(label, path);
  });
  file->addAction("Save scree&nshot…", this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, "Save screenshot", "krait-studio.png", "PNG (*.png)");
    if (!path.isEmpty()) saveScreenshot(path);
  });
  file->addSeparator();
  file->addAction("&Quit", QKeySequence::Quit, this, &QWidget::close);

  auto* edit = menuBar()->addMenu("&Edit");
  auto* undo = edit->addAction("&Undo", QKeySequence::Undo, this, [this] {
    state_.labels().undo();
    labelsChanged();
  });
  auto* redo = edit->addAction("&Redo", QKeySequence::Redo, this, [this] {
    state_.labels().redo();
    labelsChanged();
  });
  undo->setObjectName("undo");
  redo->setObjectName("redo");
  connect(edit, &QMenu::aboutToShow, this, [this, undo, redo] {
    undo->setEnabled(state_.labels().canUndo());
    redo->setEnabled(state_.labels().canRedo());
  });

  auto* view = menuBar()->addMenu("&View");
  volumeRendering_ = view->addAction("&Volume rendering in 3D");
  volumeRendering_->setCheckable(true);
  connect(volumeRendering_, &QAction::toggled, this,
          [this](bool on) {
            if (threeD_) threeD_->setVolumeRendering(state_.hasImage() ? &state_.image() : nullptr, on);
          });
  view->addAction("&Reset zoom and pan", QKeySequence("Ctrl+0"), this, [this] {
        for (auto* v : views_) v->resetViewport();
        refresh();
      })->setObjectName("resetZoom");
  view->addAction("Reset &window/level", QKeySequence("Ctrl+L"), this, [this] {
        if (!state_.hasImage()) return;
        state_.resetWindow();
        presets_->setCurrentIndex(state_.openingPreset() + 1);
        refresh();
      })->setObjectName("resetWindow");

  auto* help = menuBar()->addMenu("&Help");
  help->addAction("&Keyboard and mouse…", QKeySequence::HelpContents, this, &MainWindow::showShortcuts)->setObjectName("shortcuts");
  help->addAction("&About Krait Studio", this, [this] {
    QMessageBox::about(this, "About Krait Studio", QString("Krait Studio %1\nNative Mamba segmentation for CT and MR.\n\n%2")
                                                       .arg(QApplication::applicationVersion(),
                                                            QString::fromStdString(buildInfoText(buildInfo()))));
  });
}

void MainWindow::showShortcuts() {
  QMessageBox::information(
      this, "Keyboard and mouse",
      "Slice views\n"
      "  Left click / drag: move the crosshair (Navigate), paint (Brush), erase (Eraser)\n"
      "  Right drag: window (left/right) and level (up/down)\n"
      "  Middle drag: pan;  Ctrl+wheel: zoom about the mouse\n"
      "  Wheel, Up/Down: next/previous slice;  Page Up/Down: ten slices;  Home/End: first/last\n\n"
      "Ctrl+O open image   Ctrl+S save label map   Ctrl+Shift+S save as\n"
      "Ctrl+Z undo   Ctrl+Shift+Z redo\n"
      "Ctrl+0 reset zoom and pan   Ctrl+L reset window/level\n"
      "F1 this list   Ctrl+Q quit");
}

void MainWindow::buildToolBars() {
  auto* windowBar = addToolBar("Window");
  windowBar->setObjectName("windowBar");
  windowBar->addWidget(new QLabel("Window: ", windowBar));
  presets_ = new QComboBox(windowBar);
  presets_->setObjectName("presets");
  presets_->addItem("Image percentiles (MR)");
  for (const auto& preset : ctPresets()) presets_->addItem(QString::fromStdString(preset.name));
  connect(presets_, &QComboBox::activated, this, &MainWindow::applyPreset);
  windowBar->addWidget(presets_);
  // The window's numbers, following every drag and preset, and editable.
  const auto box = [&](const char* label, const char* name) {
    windowBar->addWidget(new QLabel(label, windowBar));
    auto* spin = new QDoubleSpinBox(windowBar);
    spin->setObjectName(name);
    spin->setRange(-1e7, 1e7);
    spin->setDecimals(1);
    spin->setKeyboardTracking(false);
    windowBar->addWidget(spin);
    connect(spin, &QDoubleSpinBox::valueChanged, this, [this] {
      if (!state_.hasImage()) return;
      state_.setWindow({windowLevel_->value(), std::max(windowWidth_->value(), 1e-6)});
      for (auto* v : views_) v->update();
    });
    return spin;
  };
  windowWidth_ = box("  W ", "windowWidth");
  windowLevel_ = box(" L ", "windowLevel");
  // Nothing to window before an image opens (showImage enables them).
  for (QWidget* w : std::initializer_list<QWidget*>{presets_, windowWidth_, windowLevel_}) w->setEnabled(false);

  auto* tools = addToolBar("Tools");
  tools->setObjectName("toolsBar");
  auto* group = new QActionGroup(tools);
  const std::pair<const char*, Tool> modes[] = {{"Navigate", Tool::Navigate}, {"Brush", Tool::Brush}, {"Eraser", Tool::Eraser}};
  for (const auto& [name, tool] : modes) {
    QAction* a = tools->addAction(name);
    a->setObjectName(QString(name).toLower());
    a->setCheckable(true);
    a->setChecked(tool == Tool::Navigate);
    group->addAction(a);
    connect(a, &QAction::triggered, this, [this, tool = tool] { state_.tool().tool = tool; });
  }
  tools->addWidget(new QLabel(" Size ", tools));
  brushSize_ = new QSpinBox(tools);
  brushSize_->setObjectName("brushSize");
  brushSize_->setRange(1, 99);
  brushSize_->setValue(state_.tool().diameter);
  brushSize_->setSuffix(" vx");
  connect(brushSize_, &QSpinBox::valueChanged, this, [this](int v) { state_.tool().diameter = v; });
  tools->addWidget(brushSize_);
  tools->addWidget(new QLabel(" Label ", tools));
  brushLabel_ = new QSpinBox(tools);
  brushLabel_->setObjectName("brushLabel");
  brushLabel_->setRange(1, 65535);
  brushLabel_->setValue(state_.tool().label);
  connect(brushLabel_, &QSpinBox::valueChanged, this, [this](int v) { state_.tool().label = static_cast<LabelValue>(v); });
  tools->addWidget(brushLabel_);
}

QString MainWindow::fail(const QString& action, const QString& message, bool quiet) {
  if (!quiet) QMessageBox::critical(this, action, message);
  return message;
}

QString MainWindow::openPath(const QString& path, bool quiet, const std::string& seriesUid) {
  const std::filesystem::path file = path.toStdString();
  if (!confirmDiscardingEdits()) return {};
  try {
    if (pluginDocks_->open(file)) return {};
    if (io::detectFormat(file) != io::FileFormat::Dicom) {
      showImage(io::readVolume(file), path);
      return {};
    }
    // A DICOM folder or file: its series is kept, for the SEGs made from it.
    const io::DicomScan scan = io::scanDicom(file);
    const std::vector<SeriesRow> rows = seriesRows(scan);
    if (rows.empty()) throw inputError(file.string(), "holds no DICOM series with images");
    const std::optional<std::string> uid = !seriesUid.empty() ? seriesUid : rows.size() == 1 ? rows[0].uid : chooseSeries_(rows);
    if (!uid) return {};
    const io::DicomSeries& series = io::selectSeries(scan, *uid, file);
    showImage(io::loadDicomSeries(series), path, series);
  } catch (const std::exception& e) {
    return fail("Open", QString("Cannot open %1:\n%2").arg(path, e.what()), quiet);
  }
  return {};
}

void MainWindow::showImage(Volume image, const QString& path, std::optional<io::DicomSeries> series) {
  panel_->abandon();
  state_.setImage(std::move(image));
  imagePath_ = path;
  series_ = std::move(series);
  labelsPath_.clear();
  setWindowTitle(QFileInfo(path).fileName() + "[*] — Krait Studio");
  presets_->setCurrentIndex(state_.openingPreset() + 1);  // 0: percentiles, then the CT presets
  for (QWidget* w : std::initializer_list<QWidget*>{presets_, windowWidth_, windowLevel_}) w->setEnabled(true);
  for (auto* v : views_) v->resetViewport();
  rememberRecent(path);
  if (threeD_) threeD_->setVolumeRendering(&state_.image(), volumeRendering_->isChecked());
  panel_->updateButtons();
  labelsChanged();
  views_[0]->setFocus();
}

QString MainWindow::openLabels(const QString& path, bool quiet) {
  if (!state_.hasImage()) return fail("Open label map", "Open an image first.", quiet);
  QString named;
  try {
    const std::filesystem::path file = path.toStdString();
    Volume labels = io::readVolume(file);
    // On another grid: resampled if the user agrees; otherwise loadLabels refuses it, saying what differs.
    if (const std::string differs = gridDifference(labels.geometry(), state_.image().geometry());
        !differs.empty() && labels.components() == 1 && resamplePrompt_(QString::fromStdString(differs)))
      labels = resampleNearest(labels, state_.image().geometry());
    std::vector<std::filesystem::path> tables;
    const std::vector<LabelDescription> described = labelTableBeside(file, &tables);
    state_.loadLabels(labels, file.string());
    state_.segments().describe(described);
    for (const auto& t : tables) named += (named.isEmpty() ? "" : ", ") + QString::fromStdString(t.filename().string());
  } catch (const std::exception& e) {
    return fail("Open label map", QString("Cannot open %1:\n%2").arg(path, e.what()), quiet);
  }
  labelsPath_ = path;
  panel_->updateButtons();
  labelsChanged();
  statusBar()->showMessage("Opened " + path + (named.isEmpty() ? "" : " (names and colours from " + named + ")"), 8000);
  return {};
}

QString MainWindow::openLabelNames(const QString& path, bool quiet) {
  try {
    state_.segments().describe(readLabelTable(path.toStdString()));
  } catch (const std::exception& e) {
    return fail("Open label names", QString("Cannot open %1:\n%2").arg(path, e.what()), quiet);
  }
  labelsChanged();
  return {};
}

QString MainWindow::saveLabels(const QString& path, bool quiet) {
  if (!state_.hasImage()) return fail("Save label map", "There is no label map to save.", quiet);
  try {
    io::writeVolume(compactLabels(state_.labels().labels()), path.toStdString(), {labelMapNote(state_.labelAuthor())});
  } catch (const std::exception& e) {
    return fail("Save label map", QString("Cannot save %1:\n%2").arg(path, e.what()), quiet);
  }
  state_.labels().markSaved();
  labelsPath_ = path;
  setWindowModified(state_.hasPreview());
  statusBar()->showMessage("Saved to " + path, 8000);
  return {};
}

QString MainWindow::exportStl(int64_t label, const QString& path, bool quiet) {
  if (!state_.hasImage()) return fail("Export STL", "There is no label map.", quiet);
  try {
    writeLabelStl(state_.shownLabels(), label, path.toStdString());
  } catch (const std::exception& e) {
    return fail("Export STL", QString("Cannot export %1:\n%2").arg(path, e.what()), quiet);
  }
  statusBar()->showMessage("Exported to " + path, 8000);
  return {};
}

QString MainWindow::saveScreenshot(const QString& path, bool quiet) {
  try {
    AtomicOutput out(path.toStdString());
    if (!grab().save(QString::fromStdString(out.stagingPath().string()), "PNG"))
      throw outputError(path.toStdString(), "the PNG could not be written");
    out.commit();
  } catch (const std::exception& e) {
    return fail("Save screenshot", QString("Cannot save %1:\n%2").arg(path, e.what()), quiet);
  }
  return {};
}

QString MainWindow::chooseSaveLabelsPath() {
  const QString suggestion = imagePath_.isEmpty() ? "labels.nii.gz" : QFileInfo(imagePath_).completeBaseName().section('.', 0, 0) + "_labels.nii.gz";
  return QFileDialog::getSaveFileName(this, "Save label map", suggestion, kLabelFilter);
}

bool MainWindow::confirmDiscardingEdits() {
  // A preview not yet accepted is unsaved work too (a run can take minutes): Save accepts it first.
  if (!state_.hasImage() || (!state_.labels().modified() && !state_.hasPreview())) return true;
  switch (unsavedPrompt_()) {
    case QMessageBox::Discard:
      return true;
    case QMessageBox::Save: {
      const QString path = labelsPath_.isEmpty() ? chooseSaveLabelsPath() : labelsPath_;
      if (path.isEmpty()) return false;
      if (state_.hasPreview()) {
        state_.acceptPreview();
        labelsChanged();
      }
      return saveLabels(path).isEmpty();
    }
    default:
      return false;
  }
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (!confirmDiscardingEdits()) return event->ignore();
  panel_->abandon();
  event->accept();
}

void MainWindow::rememberRecent(const QString& path) {
  std::vector<std::string> recent;
  for (const QString& p : recentFiles()) recent.push_back(p.toStdString());
  QStringList list;
  for (const auto& p : withRecent(recent, QFileInfo(path).absoluteFilePath().toStdString())) list << QString::fromStdString(p);
  QSettings().setValue("recentFiles", list);
  fillRecentMenu();
  updateStartText();
}

void MainWindow::updateStartText() {
  QString text = "Open a scan: File > Open image… (Ctrl+O), File > Open DICOM folder…, or drop a file or folder here.";
  const QStringList recent = recentFiles();
  if (!recent.isEmpty()) text += "\n\nRecent (File > Open recent):\n" + recent.mid(0, 5).join("\n");
  views_[0]->setEmptyText(text);
  views_[1]->setEmptyText("NIfTI, NRRD, MetaImage and DICOM (files, folders, DICOMDIR)");
}

QStringList MainWindow::recentFiles() const { return QSettings().value("recentFiles").toStringList(); }

void MainWindow::fillRecentMenu() {
  recentMenu_->clear();
  for (const QString& path : recentFiles()) recentMenu_->addAction(path, this, [this, path] { openPath(path); });
  recentMenu_->setEnabled(!recentMenu_->isEmpty());
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

void MainWindow::showWindowValues() {
  const QSignalBlocker width(windowWidth_), level(windowLevel_);
  windowWidth_->setValue(state_.window().width);
  windowLevel_->setValue(state_.window().center);
}

QString MainWindow::statusText() const { return readout_->text(); }

void MainWindow::refresh() {
  if (state_.hasImage()) readout_->setText(QString::fromStdString(state_.statusText()));
  showWindowValues();
  for (auto* v : views_) v->update();
}

void MainWindow::labelsChanged() {
  setWindowModified(state_.hasImage() && (state_.labels().modified() || state_.hasPreview()));
  table_->refresh();
  refresh();
  surfaceTimer_->start();
}

void MainWindow::updateSurfaces() {
  if (!threeD_) return;
  std::map<int64_t, Rgb> visible;
  for (const SegmentRow& row : table_->rows())
    if (row.visible && row.voxels > 0) visible[row.label] = row.colour;
  threeD_->setLabels(state_.hasImage() ? &state_.shownLabels() : nullptr, visible);
}

}  // namespace krait::studio
