// The clinician's round trip through the real window: open a catalogue volume, segment it with a model from
// the model store through the Segment panel (the nnU-Net parity fixture: the official predictor's mask is
// the reference), review the preview, accept, edit with brush and eraser, undo/redo, save, reload, export
// STL, and never lose unsaved edits on close.
#include <QAction>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QFileInfo>
#include <QProcess>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QStatusBar>
#include <QTableWidget>
#include <QWheelEvent>

#include <fstream>

#include "krait/pipeline/volume_tensor.h"
#include "krait/io/volume_io.h"
#include "mask_parity.h"
#include "krait/models/nnunet/model_store.h"
#include "segment_table.h"
#include "segmentation_panel.h"
#include "slice_view.h"
#include "studio_window.h"
#include "three_d_view.h"

using namespace krait;
using namespace krait::studio;
namespace fs = std::filesystem;

namespace {

const fs::path kCase = fs::path(KRAIT_FIXTURES) / "pipeline" / "t1_2d_on_3d";
const char* kImage = "nifti-itk/KmeansTest_T1UCharRaw.nii.gz";

int64_t countNonZero(const Volume& v) { return (toTensor(v) != 0).sum().item<int64_t>(); }

}  // namespace

TEST_F(StudioWindow, SegmentsWithAStoredModelAcceptsSavesAndReloadsTheOfficialMask) {
  const test::TempDir store, out;
  // Stored with its best checkpoint (`krait models import --checkpoint checkpoint_best.pth`): the panel opens
  // it by the manifest's checkpoint name.
  fs::copy(kCase / "model", out / "model", fs::copy_options::recursive);
  fs::rename(out / "model" / "fold_0" / "checkpoint_final.pth", out / "model" / "fold_0" / "checkpoint_best.pth");
  models::importModel(out / "model", store.path(), {}, "t1-2d", "checkpoint_best.pth");
  fs::remove_all(out / "model");
  qputenv("KRAIT_MODELS", QByteArray::fromStdString(store.path().string()));
  SegmentationPanel* panel = window_->segmentationPanel();
  panel->reloadModels();
  auto* models = panel->findChild<QComboBox*>("models");
  // The store's model first, then the bundled ones (resources/models), which need no import.
  ASSERT_GE(models->count(), 1);
  EXPECT_TRUE(models->itemText(0).startsWith("t1-2d"));
  for (int i = 1; i < models->count(); ++i) EXPECT_TRUE(models->itemText(i).contains("bundled")) << models->itemText(i).toStdString();
  models->setCurrentIndex(0);  // the reload kept the earlier choice (the first bundled model)
  ASSERT_EQ(window_->openPath(testFile(kImage), true), QString());
  // The official predictor wrote the reference mask without test-time mirroring.
  auto* mirroring = panel->findChild<QCheckBox*>("mirroring");
  EXPECT_TRUE(mirroring->isChecked());
  mirroring->setChecked(false);

  QTest::mouseClick(panel->findChild<QPushButton*>("run"), Qt::LeftButton);
  EXPECT_TRUE(panel->running());
  EXPECT_TRUE(panel->findChild<QPushButton*>("cancel")->isEnabled());
  ASSERT_TRUE(QTest::qWaitFor([&] { return !panel->running() && window_->state().hasPreview(); }, 600000))
      << panel->message().toStdString();
  EXPECT_TRUE(panel->message().contains("done")) << panel->message().toStdString();
  EXPECT_FALSE(window_->state().labels().modified());  // a preview is not an edit yet
  const Volume preview = window_->state().shownLabels();

  // The overlay shows the preview: somewhere in the axial slice a pixel carries a label's colour.
  window_->state().setCrosshair({64, 64, 31});
  QApplication::processEvents();
  const SliceImage picture = window_->state().picture(ViewPlane::Axial);
  const SliceImage plain = renderSlice(window_->state().image(), window_->state().axes(ViewPlane::Axial), 31, window_->state().window());
  EXPECT_NE(picture.pixels, plain.pixels);

  EXPECT_TRUE(window_->isWindowModified());  // a preview is unsaved work: the title says so
  QTest::mouseClick(panel->findChild<QPushButton*>("accept"), Qt::LeftButton);
  EXPECT_FALSE(window_->state().hasPreview());
  EXPECT_TRUE(window_->state().labels().modified());
  EXPECT_TRUE(panel->message().startsWith("Accepted")) << panel->message().toStdString();
  EXPECT_TRUE(window_->isWindowModified());
  auto* table = window_->segmentTable()->table();
  ASSERT_EQ(table->rowCount(), 2);
  EXPECT_TRUE(table->item(0, 2)->text().contains("grey_matter"));
  EXPECT_GT(table->item(0, 4)->text().toLongLong(), 0);  // voxels

  const QString saved = QString::fromStdString((out / "labels.nii.gz").string());
  ASSERT_EQ(window_->saveLabels(saved, true), QString());
  EXPECT_FALSE(window_->state().labels().modified());
  EXPECT_FALSE(window_->isWindowModified());
  EXPECT_EQ(window_->statusBar()->currentMessage(), "Saved to " + saved);
  const Volume written = io::readVolume(saved.toStdString());
  EXPECT_EQ(written.pixelType(), PixelType::UInt8);
  EXPECT_TRUE(written.geometry().sameAs(window_->state().image().geometry(), 1e-5));
  EXPECT_TRUE(toTensor(written).to(torch::kInt32).equal(toTensor(preview).to(torch::kInt32)));

  // The same mask as the official nnU-Net predictor (the pipeline parity test's bar).
  std::ifstream caseJson(kCase / "case.json");
  test::expectMaskParity(written, io::readVolume(kCase / "expected.nii.gz"),
                         nlohmann::json::parse(caseJson).at("label_voxel_counts"), "studio t1_2d_on_3d");

  // Reloaded into a fresh window as an overlay: the same voxels, nothing unsaved.
  MainWindow other;
  ASSERT_EQ(other.openPath(testFile(kImage), true), QString());
  ASSERT_EQ(other.openLabels(saved, true), QString());
  EXPECT_TRUE(compactLabels(other.state().labels().labels()).sameVoxels(written));
  EXPECT_FALSE(other.state().labels().modified());
  EXPECT_EQ(other.segmentTable()->table()->rowCount(), 2);
  qunsetenv("KRAIT_MODELS");
}

TEST_F(StudioWindow, CancelStopsARunAndDiscardLeavesTheMapAlone) {
  ASSERT_EQ(window_->openPath(testFile(kImage), true), QString());
  SegmentationPanel* panel = window_->segmentationPanel();
  panel->addModelFolder(QString::fromStdString((kCase / "model").string()));
  // Named by the dataset its plans were made for, not only by the folder's name.
  EXPECT_EQ(panel->findChild<QComboBox*>("models")->currentText(), "Dataset914_KraitPipeline2D · model  (folder)");
  panel->run();
  ASSERT_TRUE(QTest::qWaitFor([&] { return panel->message() == "network"; }, 120000)) << panel->message().toStdString();
  QTest::mouseClick(panel->findChild<QPushButton*>("cancel"), Qt::LeftButton);
  ASSERT_TRUE(QTest::qWaitFor([&] { return !panel->running() && panel->message() == "Cancelled."; }, 60000))
      << panel->message().toStdString();
  EXPECT_FALSE(window_->state().hasPreview());
  EXPECT_EQ(countNonZero(window_->state().labels().labels()), 0);
}

TEST_F(StudioWindow, BrushEraserUndoRedoOnTheSlices) {
  ASSERT_EQ(window_->openPath(testFile(kImage), true), QString());
  SliceView* axial = window_->view(ViewPlane::Axial);
  action(window_.get(), "brush")->trigger();
  window_->findChild<QSpinBox*>("brushSize")->setValue(3);
  window_->findChild<QSpinBox*>("brushLabel")->setValue(2);
  drag(axial, 20, 60, 50);
  const Volume& labels = window_->state().labels().labels();
  const int64_t painted = countNonZero(labels);
  EXPECT_GE(painted, 41 * 3);  // a 3-voxel-wide line 41 voxels long
  EXPECT_EQ(toTensor(labels).max().item<int64_t>(), 2);
  EXPECT_EQ(window_->segmentTable()->table()->rowCount(), 1);

  action(window_.get(), "eraser")->trigger();
  drag(axial, 20, 30, 50);
  EXPECT_LT(countNonZero(labels), painted);
  QAction* undo = action(window_.get(), "undo");
  EXPECT_EQ(undo->shortcut(), QKeySequence(QKeySequence::Undo));
  undo->trigger();  // the eraser
  EXPECT_EQ(countNonZero(labels), painted);
  undo->trigger();  // the brush
  EXPECT_EQ(countNonZero(labels), 0);
  EXPECT_EQ(window_->segmentTable()->table()->rowCount(), 0);
  action(window_.get(), "redo")->trigger();
  EXPECT_EQ(countNonZero(labels), painted);

  // In navigate mode a drag moves the crosshair and paints nothing.
  action(window_.get(), "navigate")->trigger();
  drag(axial, 5, 10, 5);
  EXPECT_EQ(countNonZero(labels), painted);
}

TEST_F(StudioWindow, UnsavedEditsAreNeverLostSilentlyOnClose) {
  ASSERT_EQ(window_->openPath(testFile(kImage), true), QString());
  action(window_.get(), "brush")->trigger();
  drag(window_->view(ViewPlane::Axial), 10, 20, 10);
  int asked = 0;
  window_->setUnsavedPrompt([&] { return ++asked, QMessageBox::Cancel; });
  EXPECT_FALSE(window_->close());
  EXPECT_TRUE(window_->isVisible());
  // Save: the map goes to the file it came from / was saved to, then the window closes.
  const test::TempDir out;
  const QString path = QString::fromStdString((out / "edited.nii.gz").string());
  ASSERT_EQ(window_->saveLabels(path, true), QString());
  drag(window_->view(ViewPlane::Axial), 10, 20, 30);
  window_->setUnsavedPrompt([&] { return ++asked, QMessageBox::Save; });
  EXPECT_TRUE(window_->close());
  EXPECT_EQ(asked, 2);
  EXPECT_TRUE(io::readVolume(path.toStdString()).sameVoxels(compactLabels(window_->state().labels().labels())));
  // Nothing to save: no question.
  window_->show();
  EXPECT_TRUE(window_->close());
  EXPECT_EQ(asked, 2);
  // A segmentation preview not yet accepted counts as unsaved; Save accepts it into the saved map.
  window_->show();
  Volume preview(window_->state().image().geometry(), PixelType::UInt8);
  preview.as<uint8_t>()[0] = 3;
  window_->state().setPreview(preview, {});
  EXPECT_TRUE(window_->close());
  EXPECT_EQ(asked, 3);
  EXPECT_EQ(io::readVolume(path.toStdString()).as<uint8_t>()[0], 3);
}

TEST_F(StudioWindow, OpacityVisibilityStlAndBadLabelMaps) {
  ASSERT_EQ(window_->openPath(testFile(kImage), true), QString());
  action(window_.get(), "brush")->trigger();
  window_->findChild<QSpinBox*>("brushSize")->setValue(9);
  SliceView* axial = window_->view(ViewPlane::Axial);
  drag(axial, 40, 80, 30);
  const auto pixel = [&] {
    const SliceImage picture = window_->state().picture(ViewPlane::Axial);
    return picture.pixels.at(static_cast<size_t>(30) * picture.width + 60);
  };
  const uint32_t blended = pixel();
  window_->segmentTable()->opacity()->setValue(0);
  const uint32_t hidden = pixel();
  EXPECT_NE(blended, hidden);
  window_->segmentTable()->opacity()->setValue(100);
  EXPECT_EQ(pixel() & 0xffffff, static_cast<uint32_t>(labelColour(1).r << 16 | labelColour(1).g << 8 | labelColour(1).b));
  window_->segmentTable()->table()->item(0, 2)->setCheckState(Qt::Unchecked);
  EXPECT_EQ(pixel(), hidden);

  const test::TempDir out;
  const QString stl = QString::fromStdString((out / "label1.stl").string());
  ASSERT_EQ(window_->exportStl(1, stl, true), QString());
  EXPECT_GT(fs::file_size(stl.toStdString()), 84u + 50u * 12);  // binary STL: header, count, triangles
  const QString missing = window_->exportStl(7, QString::fromStdString((out / "label7.stl").string()), true);
  EXPECT_TRUE(missing.contains("label 7")) << missing.toStdString();
  EXPECT_FALSE(fs::exists(out / "label7.stl"));

  // A map on another grid, its resampling declined: the error says what differs.
  QString asked;
  window_->setResamplePrompt([&](const QString& differences) { asked = differences; return false; });
  const QString other = window_->openLabels(testFile("nifti-mricron/ch2.nii.gz"), true);
  EXPECT_TRUE(other.contains("grid")) << other.toStdString();
  EXPECT_TRUE(other.contains("spacing")) << other.toStdString();
  EXPECT_TRUE(asked.contains("size")) << asked.toStdString();
  EXPECT_GT(countNonZero(window_->state().labels().labels()), 0);  // the edits are still there
}

TEST_F(StudioWindow, ZoomKeepsThePointUnderTheMouseAndRecentFilesRemember) {
  ASSERT_EQ(window_->openPath(testFile(kImage), true), QString());
  SliceView* axial = window_->view(ViewPlane::Axial);
  const QPointF at = axial->widgetPoint(40, 30);
  QWheelEvent wheel(at, axial->mapToGlobal(at), QPoint(), QPoint(0, 360), Qt::NoButton, Qt::ControlModifier,
                    Qt::NoScrollPhase, false);
  const int64_t slice = window_->state().slice(ViewPlane::Axial);
  QApplication::sendEvent(axial, &wheel);
  EXPECT_NEAR(axial->viewport().zoom, 1.25 * 1.25 * 1.25, 1e-9);
  EXPECT_EQ(window_->state().slice(ViewPlane::Axial), slice);  // Ctrl+wheel zooms, it does not scroll
  int x = 0, y = 0;
  ASSERT_TRUE(axial->picturePixel(at, x, y));
  EXPECT_EQ(x, 40);
  EXPECT_EQ(y, 30);
  EXPECT_EQ(window_->recentFiles().front(), QFileInfo(testFile(kImage)).absoluteFilePath());
}

// `krait-studio --open FILE --screenshot PNG` renders the window and exits: what reviewers and docs use.
TEST_F(StudioWindow, CommandLineScreenshot) {
  const test::TempDir out;
  const QString png = QString::fromStdString((out / "studio.png").string());
  QProcess studio;
  studio.start(KRAIT_STUDIO_PATH, {"--open", testFile("nifti-mricron/ch2.nii.gz"), "--screenshot", png});
  ASSERT_TRUE(studio.waitForFinished(120000));
  EXPECT_EQ(studio.exitCode(), 0) << studio.readAllStandardError().toStdString();
  const QImage shot(png);
  EXPECT_GT(shot.width(), 800);
  studio.start(KRAIT_STUDIO_PATH, {"--open", "/no/such/scan.nii.gz", "--screenshot", png + ".2.png"});
  ASSERT_TRUE(studio.waitForFinished(60000));
  EXPECT_EQ(studio.exitCode(), 1);
  EXPECT_TRUE(studio.readAllStandardError().contains("/no/such/scan.nii.gz"));
  EXPECT_FALSE(fs::exists(png.toStdString() + ".2.png"));
}

// No argument is ignored: a second image, an option without its value or an unknown option stops with exit 2.
TEST_F(StudioWindow, CommandLineRefusesWhatItWouldIgnore) {
  const std::vector<std::pair<QStringList, QString>> cases{
      {{"a.nii.gz", "b.nii.gz"}, "an image given twice"},
      {{"--open", "a.nii.gz", "--open", "b.nii.gz"}, "--open given twice"},
      {{"--labels"}, "--labels needs a value"},
      {{"--bogus"}, "unknown option --bogus"}};
  for (const auto& [args, says] : cases) {
    QProcess studio;
    studio.start(KRAIT_STUDIO_PATH, args);
    ASSERT_TRUE(studio.waitForFinished(60000));
    EXPECT_EQ(studio.exitCode(), 2) << args.join(' ').toStdString();
    const QString err = studio.readAllStandardError();
    EXPECT_TRUE(err.contains(says)) << err.toStdString();
  }
}
