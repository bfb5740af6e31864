#pragma once
// One slice view: paints the picture ViewerState computes, placed by its Viewport (true aspect, zoom, pan),
// with the crosshair and the orientation letters. Left button: the tool (move the crosshair, paint, erase);
// right-drag: window/level; middle-drag: pan; wheel: next/previous slice; Ctrl+wheel: zoom about the mouse.
// Keys (once clicked): Up/Down a slice, Page Up/Down ten, Home/End the first and last. Without an image it
// shows `emptyText` (how to open one).
#include <QWidget>

#include "viewer_state.h"
#include "viewport.h"

namespace krait::studio {

class SliceView : public QWidget {
  Q_OBJECT
 public:
  SliceView(ViewerState& state, ViewPlane plane, QWidget* parent = nullptr);
  ViewPlane plane() const { return plane_; }
  // Where picture pixel (x, y)'s centre is in the widget; and back (false outside the picture).
  QPointF widgetPoint(double x, double y) const;
  bool picturePixel(const QPointF& widget, int& x, int& y) const;
  const Viewport& viewport() const { return viewport_; }
  void resetViewport() { viewport_ = Viewport{}; }
  // What the view says while no image is open.
  const QString& emptyText() const { return emptyText_; }
  void setEmptyText(const QString& text) {
    emptyText_ = text;
    update();
  }

 Q_SIGNALS:
  void stateChanged();  // the crosshair or the window moved: every view repaints
  void labelsEdited();  // a brush or eraser stroke ended

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;

 private:
  QSizeF pictureMillimetres() const;
  QRectF pictureRect() const;
  void pointAt(const QPointF& widget);
  bool stroking() const { return lastPaint_.x() >= 0; }

  ViewerState& state_;
  ViewPlane plane_;
  Viewport viewport_;
  QPointF dragStart_, lastMouse_;
  QPoint lastPaint_{-1, -1};  // picture pixel of the stroke's last dab; x < 0: no stroke
  WindowLevel windowAtDragStart_;
  QString emptyText_;
};

}  // namespace krait::studio
