#include "vtk_widget.h"

#include <QMouseEvent>
#include <QOpenGLContext>
#include <QWheelEvent>

#include <vtkCommand.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkOpenGLState.h>
#include <vtkRenderer.h>

namespace krait::studio {

VtkWidget::VtkWidget(QWidget* parent) : QOpenGLWidget(parent) {
  setFormat(surfaceFormat());
  setFocusPolicy(Qt::StrongFocus);
  setUpdateBehavior(QOpenGLWidget::NoPartialUpdate);  // VTK redraws the whole picture every time

  window_->SetReadyForRendering(false);  // until initializeGL gives it a context
  // VTK renders into framebuffers of its own; paintGL copies the picture into the widget's.
  window_->SetFrameBlitModeToNoBlit();
  window_->AddRenderer(renderer_);
  renderer_->SetBackground(0.10, 0.11, 0.13);
  for (const unsigned long event :
       {vtkCommand::WindowMakeCurrentEvent, vtkCommand::WindowIsCurrentEvent, vtkCommand::WindowFrameEvent})
    window_->AddObserver(event, this, &VtkWidget::onWindowEvent);

  vtkNew<vtkInteractorStyleTrackballCamera> style;
  interactor_->SetInteractorStyle(style);
  interactor_->SetRenderWindow(window_);
  // The style asks for a render at every step of a drag; renders belong in paintGL, so the request becomes update().
  interactor_->EnableRenderOff();
  interactor_->AddObserver(vtkCommand::RenderEvent, this, &VtkWidget::onWindowEvent);
  interactor_->Initialize();
}

VtkWidget::~VtkWidget() {
  disconnect(contextGone_);
  releaseGraphics();
  window_->RemoveAllObservers();  // the window outlives this body; its last calls must not reach a dying widget
  interactor_->RemoveObservers(vtkCommand::RenderEvent);
}

QSurfaceFormat VtkWidget::surfaceFormat() {
  // As QVTKRenderWindowAdapter::defaultFormat in VTK 9.1.
  QSurfaceFormat format;
  format.setRenderableType(QSurfaceFormat::OpenGL);
  format.setVersion(3, 2);
  format.setProfile(QSurfaceFormat::CoreProfile);
  format.setSwapBehavior(QSurfaceFormat::DoubleBuffer);
  format.setRedBufferSize(8);
  format.setGreenBufferSize(8);
  format.setBlueBufferSize(8);
  format.setAlphaBufferSize(8);
  format.setDepthBufferSize(24);
  format.setStencilBufferSize(0);
  format.setSamples(0);
  return format;
}

bool VtkWidget::openGLAvailable() {
  QOpenGLContext probe;
  probe.setFormat(surfaceFormat());
  return probe.create() && probe.format().version() >= qMakePair(3, 2);
}

void VtkWidget::initializeGL() {
  // A new context (first show, or the widget moved to another window) that Qt has made current: VTK draws with it
  // but does not own it.
  window_->InitializeFromCurrentContext();
  window_->SetReadyForRendering(true);
  surface_ = context()->surface();  // the widget's offscreen surface, which Qt made current with the context
  contextGone_ = connect(context(), &QOpenGLContext::aboutToBeDestroyed, this, [this] { releaseGraphics(); },
                         Qt::DirectConnection);
}

void VtkWidget::resizeGL(int, int) { syncSize(); }

void VtkWidget::syncSize() {
  // VTK counts device pixels: the size of the widget's framebuffer.
  const double ratio = devicePixelRatio();
  const int w = qRound(width() * ratio), h = qRound(height() * ratio);
  interactor_->UpdateSize(w, h);
  window_->SetSize(w, h);
  window_->SetDPI(qRound(72 * ratio));
}

void VtkWidget::paintGL() {
  // Qt has left its own GL state: VTK's state cache must learn it afresh.
  vtkOpenGLState* state = window_->GetState();
  state->Reset();
  state->Push();
  state->vtkglDepthFunc(GL_LEQUAL);  // Qt leaves GL_LESS; VTK expects GL_LEQUAL
  syncSize();                        // a move to a screen of another pixel ratio changes no widget size
  painting_ = true;
  window_->Render();
  painting_ = false;
  const int* size = window_->GetSize();
  state->vtkglBindFramebuffer(GL_DRAW_FRAMEBUFFER, defaultFramebufferObject());
  state->vtkglDisable(GL_SCISSOR_TEST);
  window_->BlitDisplayFramebuffer(0, 0, 0, size[0], size[1], 0, 0, size[0], size[1], GL_COLOR_BUFFER_BIT, GL_NEAREST);
  // VTK leaves the background's alpha at 0, and Qt would blend the widget with what lies under it (black on Mesa).
  state->vtkglColorMask(GL_FALSE, GL_FALSE, GL_FALSE, GL_TRUE);
  state->vtkglClearColor(0.0f, 0.0f, 0.0f, 1.0f);
  state->vtkglClear(GL_COLOR_BUFFER_BIT);
  state->Pop();
}

void VtkWidget::onWindowEvent(vtkObject*, unsigned long event, void*) {
  switch (event) {
    case vtkCommand::WindowMakeCurrentEvent:
      // The context alone: QOpenGLWidget::makeCurrent() would also bind the widget's framebuffer behind the back of
      // VTK's state cache, and VTK would then attach its own buffers to Qt's framebuffer.
      if (surface_) context()->makeCurrent(surface_);
      break;
    case vtkCommand::WindowIsCurrentEvent:
      window_->SetIsCurrent(surface_ && QOpenGLContext::currentContext() == context() &&
                            context()->surface() == surface_);
      break;
    case vtkCommand::WindowFrameEvent:  // someone rendered outside paintGL: repaint to show it
    case vtkCommand::RenderEvent:       // the interactor wants a render
      if (!painting_) update();
      break;
    default:
      break;
  }
}

void VtkWidget::releaseGraphics() {
  if (!window_->GetReadyForRendering()) return;
  // VTK's buffers, shaders and textures live in the widget's context: free them while it is current.
  makeCurrent();
  window_->GetState()->Reset();  // makeCurrent() bound Qt's framebuffer
  window_->Finalize();
  window_->SetReadyForRendering(false);
  doneCurrent();
  surface_ = nullptr;
}

namespace {

unsigned long buttonEvent(Qt::MouseButton button, bool press) {
  switch (button) {
    case Qt::LeftButton: return press ? vtkCommand::LeftButtonPressEvent : vtkCommand::LeftButtonReleaseEvent;
    case Qt::MiddleButton: return press ? vtkCommand::MiddleButtonPressEvent : vtkCommand::MiddleButtonReleaseEvent;
    case Qt::RightButton: return press ? vtkCommand::RightButtonPressEvent : vtkCommand::RightButtonReleaseEvent;
    default: return vtkCommand::NoEvent;
  }
}

}  // namespace

void VtkWidget::forwardMouse(QMouseEvent* event, unsigned long vtkEvent) {
  if (vtkEvent == vtkCommand::NoEvent) return;
  // VTK counts device pixels from the bottom left.
  const double ratio = devicePixelRatio();
  const auto modifiers = event->modifiers();
  interactor_->SetEventInformationFlipY(static_cast<int>(event->position().x() * ratio),
                                        static_cast<int>(event->position().y() * ratio),
                                        (modifiers & Qt::ControlModifier) ? 1 : 0,
                                        (modifiers & Qt::ShiftModifier) ? 1 : 0, 0,
                                        event->type() == QEvent::MouseButtonDblClick ? 1 : 0);
  interactor_->SetAltKey((modifiers & Qt::AltModifier) ? 1 : 0);
  interactor_->InvokeEvent(vtkEvent, event);
  event->accept();
}

void VtkWidget::mousePressEvent(QMouseEvent* event) { forwardMouse(event, buttonEvent(event->button(), true)); }
void VtkWidget::mouseReleaseEvent(QMouseEvent* event) { forwardMouse(event, buttonEvent(event->button(), false)); }
void VtkWidget::mouseMoveEvent(QMouseEvent* event) { forwardMouse(event, vtkCommand::MouseMoveEvent); }

void VtkWidget::wheelEvent(QWheelEvent* event) {
  const double ratio = devicePixelRatio();
  interactor_->SetEventInformationFlipY(static_cast<int>(event->position().x() * ratio),
                                        static_cast<int>(event->position().y() * ratio));
  // One zoom step per notch (120); touchpads send smaller steps that add up.
  wheelDelta_ += event->angleDelta().y();
  for (; wheelDelta_ >= 120; wheelDelta_ -= 120) interactor_->InvokeEvent(vtkCommand::MouseWheelForwardEvent, event);
  for (; wheelDelta_ <= -120; wheelDelta_ += 120) interactor_->InvokeEvent(vtkCommand::MouseWheelBackwardEvent, event);
  event->accept();
}

}  // namespace krait::studio
