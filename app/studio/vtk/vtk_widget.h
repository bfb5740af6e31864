#pragma once
// The one place where VTK meets Qt's OpenGL. VTK's own Qt module (QVTKOpenGLNativeWidget) is built against Qt5 in
// Debian and cannot be loaded into this Qt6 app, so this QOpenGLWidget does its job in a few lines, as VTK 9.1's
// QVTKOpenGLNativeWidget and QVTKRenderWindowAdapter do: a vtkGenericOpenGLRenderWindow draws with the widget's
// context, renders only inside paintGL (where Qt has bound the widget's framebuffer) and blits its picture there;
// mouse and wheel events go to a VTK interactor with the trackball camera (left drag rotates, middle drag pans,
// right drag and the wheel zoom).
#include <QMetaObject>
#include <QOpenGLWidget>
#include <QSurfaceFormat>

#include <vtkNew.h>

class vtkGenericOpenGLRenderWindow;
class vtkGenericRenderWindowInteractor;
class vtkObject;
class vtkRenderer;
class QSurface;

namespace krait::studio {

class VtkWidget : public QOpenGLWidget {
  Q_OBJECT
 public:
  explicit VtkWidget(QWidget* parent = nullptr);
  ~VtkWidget() override;

  // What VTK needs of the context: OpenGL 3.2 core, no multisampling (VTK keeps its own framebuffers). main() sets it
  // as the default before the QApplication exists; each widget asks for it too.
  static QSurfaceFormat surfaceFormat();
  // Whether the platform gives such a context. Without one a QOpenGLWidget must not even be shown: Qt 6.4 crashes
  // flushing it on the `offscreen` platform.
  static bool openGLAvailable();

  vtkRenderer* renderer() const { return renderer_.Get(); }
  // Schedules a render of the scene (at the next paint).
  void render() { update(); }

 protected:
  void initializeGL() override;
  void resizeGL(int width, int height) override;
  void paintGL() override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;

 private:
  void onWindowEvent(vtkObject* caller, unsigned long event, void* data);
  void forwardMouse(QMouseEvent* event, unsigned long vtkEvent);
  void syncSize();
  void releaseGraphics();

  vtkNew<vtkGenericOpenGLRenderWindow> window_;
  vtkNew<vtkRenderer> renderer_;
  vtkNew<vtkGenericRenderWindowInteractor> interactor_;
  QSurface* surface_ = nullptr;  // what the context is made current with; null without a context
  QMetaObject::Connection contextGone_;
  int wheelDelta_ = 0;
  bool painting_ = false;
};

}  // namespace krait::studio
