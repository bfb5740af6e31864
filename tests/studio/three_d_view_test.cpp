// krait-studio's 3D view under a real Qt platform (Xvfb in CI): VTK must draw through the Qt6 OpenGL widget without
// a VTK error, a shaded surface in its label's colour on the dark background, seen from the patient's front; no
// labels leave the background; a left drag turns the camera and the wheel brings it closer; volume rendering shows
// the bright part of an image. They need an OpenGL 3.2 context: a display (Xvfb with Mesa in CI).
#include <gtest/gtest.h>

#include <QApplication>
#include <QImage>
#include <QMouseEvent>
#include <QTest>
#include <QWheelEvent>

#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkCommand.h>
#include <vtkNew.h>
#include <vtkOutputWindow.h>
#include <vtkRenderer.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>

#include "studio_window.h"
#include "three_d_view.h"

using namespace krait;
using namespace krait::studio;

namespace {

// VTK reports its errors (a context it cannot use, a shader that does not compile) to its output window only.
class VtkMessages {
 public:
  VtkMessages() {
    callback_->SetClientData(this);
    callback_->SetCallback([](vtkObject*, unsigned long, void* self, void* text) {
      static_cast<VtkMessages*>(self)->text_ += static_cast<const char*>(text);
    });
    for (const unsigned long event : {vtkCommand::ErrorEvent, vtkCommand::WarningEvent})
      vtkOutputWindow::GetInstance()->AddObserver(event, callback_);
  }
  ~VtkMessages() { vtkOutputWindow::GetInstance()->RemoveObserver(callback_); }
  const std::string& text() const { return text_; }

 private:
  vtkNew<vtkCallbackCommand> callback_;
  std::string text_;
};

// A 48 x 48 x 32 grid of 1 x 1 x 1.5 mm voxels centred on the LPS origin.
Geometry ballGrid() {
  Geometry g;
  g.size = {48, 48, 32};
  g.spacing = {1.0, 1.0, 1.5};
  g.origin = {-23.5, -23.5, -23.25};
  return g;
}

template <typename T> void addBall(Volume& v, const Vec3& centre, double radius, T value) {
  const Geometry& g = v.geometry();
  T* voxel = v.as<T>();
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i, ++voxel) {
        const Vec3 p = g.indexToPhysical({double(i), double(j), double(k)});
        if (std::hypot(p[0] - centre[0], p[1] - centre[1], p[2] - centre[2]) <= radius) *voxel = value;
      }
}

// ThreeDView's background, (0.10, 0.11, 0.13).
bool isBackground(const QColor& c) {
  return std::abs(c.red() - 26) <= 3 && std::abs(c.green() - 28) <= 3 && std::abs(c.blue() - 33) <= 3;
}

// Pixels where `channel` clearly dominates the other two: a surface in that primary colour, shaded or not.
struct Hue {
  int pixels = 0;
  double meanX = 0.0, meanY = 0.0;
  int darkest = 255, brightest = 0;
};
Hue hueOf(const QImage& picture, int channel) {
  Hue hue;
  for (int y = 0; y < picture.height(); ++y)
    for (int x = 0; x < picture.width(); ++x) {
      const QColor c = picture.pixelColor(x, y);
      const int v[3] = {c.red(), c.green(), c.blue()};
      if (v[channel] < 40 || v[channel] < 2 * v[(channel + 1) % 3] || v[channel] < 2 * v[(channel + 2) % 3]) continue;
      ++hue.pixels;
      hue.meanX += x;
      hue.meanY += y;
      hue.darkest = std::min(hue.darkest, v[channel]);
      hue.brightest = std::max(hue.brightest, v[channel]);
    }
  if (hue.pixels > 0) {
    hue.meanX /= hue.pixels;
    hue.meanY /= hue.pixels;
  }
  return hue;
}

// The process's application and OpenGL format come from the GUI tests' fixture; the view is tested alone.
class ThreeDViewTest : public StudioWindow {
 protected:
  void SetUp() override {
    ASSERT_TRUE(VtkWidget::openGLAvailable()) << "no OpenGL 3.2 context: run under Xvfb, as scripts/test.sh does";
    view_ = std::make_unique<ThreeDView>();
    view_->resize(320, 240);
    view_->show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(view_.get()));
  }
  // The view's picture as VTK draws it now.
  QImage picture() { return view_->grabFramebuffer(); }

  VtkMessages vtkMessages_;
  std::unique_ptr<ThreeDView> view_;
};

}  // namespace

TEST_F(ThreeDViewTest, ShowsALabelShadedInItsColourOnTheBackground) {
  Volume labels(ballGrid(), PixelType::UInt8);
  addBall<uint8_t>(labels, {0.0, 0.0, 0.0}, 14.0, 3);
  view_->setLabels(&labels, {{3, Rgb{230, 60, 40}}});
  const QImage shot = picture();
  ASSERT_FALSE(shot.isNull());
  ASSERT_EQ(shot.size(), view_->size() * view_->devicePixelRatio());
  const QColor centre = shot.pixelColor(shot.width() / 2, shot.height() / 2);
  EXPECT_GT(centre.red(), 150) << centre.name().toStdString();
  EXPECT_GT(centre.red(), 2 * centre.green()) << centre.name().toStdString();
  EXPECT_GT(centre.red(), 2 * centre.blue()) << centre.name().toStdString();
  for (const QPoint corner : {QPoint(2, 2), QPoint(shot.width() - 3, shot.height() - 3)})
    EXPECT_TRUE(isBackground(shot.pixelColor(corner))) << shot.pixelColor(corner).name().toStdString();
  const Hue red = hueOf(shot, 0);
  EXPECT_GT(red.pixels, shot.width() * shot.height() / 25);  // the grid is framed whole: the ball is smaller
  EXPECT_GT(red.brightest - red.darkest, 60) << "a flat disc, not a lit ball";
  EXPECT_EQ(vtkMessages_.text(), "");
  if (const char* dir = std::getenv("KRAIT_SCREENSHOT_DIR")) {
    EXPECT_TRUE(shot.save(QString(dir) + "/krait_studio_three_d.png"));
  }
}

// Facing the patient: their left (LPS +x) on the picture's right, their head (LPS +z) at the top.
TEST_F(ThreeDViewTest, SeesThePatientFromTheFront) {
  Volume labels(ballGrid(), PixelType::UInt8);
  addBall<uint8_t>(labels, {14.0, 0.0, -8.0}, 6.0, 1);
  addBall<uint8_t>(labels, {-8.0, 0.0, 14.0}, 6.0, 2);
  view_->setLabels(&labels, {{1, Rgb{40, 200, 60}}, {2, Rgb{50, 90, 230}}});
  const QImage shot = picture();
  ASSERT_FALSE(shot.isNull());
  const Hue left = hueOf(shot, 1), head = hueOf(shot, 2);
  ASSERT_GT(left.pixels, 100);
  ASSERT_GT(head.pixels, 100);
  EXPECT_GT(left.meanX, shot.width() / 2.0);
  EXPECT_GT(left.meanY, shot.height() / 2.0);
  EXPECT_LT(head.meanX, shot.width() / 2.0);
  EXPECT_LT(head.meanY, shot.height() / 2.0);
  EXPECT_EQ(vtkMessages_.text(), "");
}

TEST_F(ThreeDViewTest, NoLabelsLeaveTheBackground) {
  Volume labels(ballGrid(), PixelType::UInt8);
  addBall<uint8_t>(labels, {0.0, 0.0, 0.0}, 14.0, 3);
  view_->setLabels(&labels, {{3, Rgb{230, 60, 40}}});
  const auto expectBackgroundOnly = [&](const char* why) {
    const QImage shot = picture();
    EXPECT_TRUE(isBackground(shot.pixelColor(shot.width() / 2, shot.height() / 2))) << why;
    EXPECT_EQ(hueOf(shot, 0).pixels, 0) << why;
  };
  view_->setLabels(&labels, {});
  expectBackgroundOnly("label 3 hidden");
  view_->setLabels(nullptr, {{3, Rgb{230, 60, 40}}});
  expectBackgroundOnly("no label map");
}

TEST_F(ThreeDViewTest, VolumeRenderingShowsTheBrightPartOfTheImage) {
  Volume image(ballGrid(), PixelType::Int16);
  std::fill(image.as<int16_t>(), image.as<int16_t>() + image.elementCount(), int16_t{-1000});
  addBall<int16_t>(image, {0.0, 0.0, 0.0}, 12.0, 1500);
  view_->setVolumeRendering(&image, true);
  const QImage shot = picture();
  ASSERT_FALSE(shot.isNull());
  const QColor centre = shot.pixelColor(shot.width() / 2, shot.height() / 2);
  EXPECT_FALSE(isBackground(centre)) << centre.name().toStdString();
  EXPECT_GT(qGray(centre.rgb()), 60) << centre.name().toStdString();
  EXPECT_TRUE(isBackground(shot.pixelColor(2, 2)));
  view_->setVolumeRendering(&image, false);
  EXPECT_TRUE(isBackground(picture().pixelColor(shot.width() / 2, shot.height() / 2)));
  EXPECT_EQ(vtkMessages_.text(), "");
}

TEST_F(ThreeDViewTest, ALeftDragTurnsTheCameraAndTheWheelBringsItCloser) {
  Volume labels(ballGrid(), PixelType::UInt8);
  addBall<uint8_t>(labels, {14.0, 0.0, -8.0}, 6.0, 1);
  view_->setLabels(&labels, {{1, Rgb{40, 200, 60}}});
  const QImage before = picture();
  ASSERT_FALSE(before.isNull());
  vtkCamera* camera = view_->renderer()->GetActiveCamera();
  double from[3], to[3];
  camera->GetDirectionOfProjection(from);
  const double distance = camera->GetDistance();

  const QPointF start(view_->width() / 2.0, view_->height() / 2.0), end = start + QPointF(60, 0);
  QTest::mousePress(view_.get(), Qt::LeftButton, Qt::NoModifier, start.toPoint());
  QMouseEvent move(QEvent::MouseMove, end, view_->mapToGlobal(end), Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(view_.get(), &move);
  QTest::mouseRelease(view_.get(), Qt::LeftButton, Qt::NoModifier, end.toPoint());
  camera->GetDirectionOfProjection(to);
  const double cosine = from[0] * to[0] + from[1] * to[1] + from[2] * to[2];
  EXPECT_LT(cosine, std::cos(20.0 * M_PI / 180.0)) << "turned by less than 20 degrees";
  EXPECT_NEAR(camera->GetDistance(), distance, 1e-6 * distance);
  EXPECT_NE(picture(), before);

  QWheelEvent wheel(start, view_->mapToGlobal(start), QPoint(), QPoint(0, 120), Qt::NoButton, Qt::NoModifier,
                    Qt::NoScrollPhase, false);
  QApplication::sendEvent(view_.get(), &wheel);
  EXPECT_LT(camera->GetDistance(), 0.95 * distance);
  EXPECT_EQ(vtkMessages_.text(), "");
}
