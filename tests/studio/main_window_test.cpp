// krait-studio's window under a real Qt platform (Xvfb in CI; `offscreen` when no display is set): opening a
// real scan, linked views, scrolling, window/level dragging, a bad file, and a screenshot to look at.
#include <gtest/gtest.h>

#include <QApplication>
#include <QImage>
#include <QTest>
#include <QWheelEvent>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "main_window.h"
#include "slice_view.h"
#include "testdata.h"

using namespace krait;
using namespace krait::studio;

namespace {

class StudioWindow : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!std::getenv("DISPLAY")) qputenv("QT_QPA_PLATFORM", "offscreen");
    static int argc = 1;
    static char name[] = "krait_studio_gui_tests";
    static char* argv[] = {name, nullptr};
    app_ = std::make_unique<QApplication>(argc, argv);
  }
  static void TearDownTestSuite() { app_.reset(); }
  void SetUp() override {
    window_ = std::make_unique<MainWindow>();
    window_->resize(900, 700);
    window_->show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(window_.get()));
  }
  std::unique_ptr<MainWindow> window_;
  static std::unique_ptr<QApplication> app_;
};
std::unique_ptr<QApplication> StudioWindow::app_;

QString ch2() { return QString::fromStdString(test::testData("nifti-mricron/ch2.nii.gz").string()); }

}  // namespace

TEST_F(StudioWindow, OpensARealScanWithTheCrosshairAtTheCentre) {
  ASSERT_EQ(window_->openImage(ch2(), true), QString());
  const auto& size = window_->state().image().geometry().size;
  EXPECT_EQ(window_->state().crosshair(), (std::array<int64_t, 3>{size[0] / 2, size[1] / 2, size[2] / 2}));
  EXPECT_TRUE(window_->statusText().startsWith("voxel (")) << window_->statusText().toStdString();
  EXPECT_TRUE(window_->windowTitle().startsWith("ch2.nii.gz"));
}

TEST_F(StudioWindow, AClickInOneViewMovesTheOthersSlices) {
  ASSERT_EQ(window_->openImage(ch2(), true), QString());
  SliceView* axial = window_->view(ViewPlane::Axial);
  QTest::mouseClick(axial, Qt::LeftButton, Qt::NoModifier, axial->widgetPoint(30, 40).toPoint());
  const auto& g = window_->state().image().geometry();
  const auto want = voxelAt(g, sliceAxes(g, ViewPlane::Axial), window_->state().slice(ViewPlane::Axial), 30, 40);
  EXPECT_EQ(window_->state().crosshair(), want);
  EXPECT_EQ(window_->state().slice(ViewPlane::Sagittal), want[sliceAxes(g, ViewPlane::Sagittal).normal]);
  EXPECT_EQ(window_->state().slice(ViewPlane::Coronal), want[sliceAxes(g, ViewPlane::Coronal).normal]);
}

TEST_F(StudioWindow, WheelScrollsAndRightDragWidensTheWindow) {
  ASSERT_EQ(window_->openImage(ch2(), true), QString());
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
  ASSERT_EQ(window_->openImage(ch2(), true), QString());
  const auto crosshair = window_->state().crosshair();
  const std::filesystem::path bad = std::filesystem::temp_directory_path() / "krait_studio_not_an_image.nii";
  { std::FILE* f = std::fopen(bad.c_str(), "wb"); std::fputs("not a NIfTI file", f); std::fclose(f); }
  const QString message = window_->openImage(QString::fromStdString(bad.string()), true);
  std::filesystem::remove(bad);
  EXPECT_TRUE(message.contains("krait_studio_not_an_image.nii")) << message.toStdString();
  EXPECT_TRUE(window_->state().hasImage());
  EXPECT_EQ(window_->state().crosshair(), crosshair);
}

// The screenshot goes to KRAIT_SCREENSHOT_DIR when set (to look at); the views must show the scan, not black.
TEST_F(StudioWindow, ScreenshotShowsTheScanInEveryView) {
  ASSERT_EQ(window_->openImage(ch2(), true), QString());
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
