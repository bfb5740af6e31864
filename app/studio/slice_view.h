#pragma once
// One slice view: paints the picture ViewerState computes, scaled to the widget with the voxels' aspect, with
// the crosshair and the orientation letters. Left button: move the crosshair; right-drag: window/level;
// wheel: next/previous slice.
#include <QWidget>

#include "viewer_state.h"

namespace krait::studio {

class SliceView : public QWidget {
  Q_OBJECT
 public:
  SliceView(ViewerState& state, ViewPlane plane, QWidget* parent = nullptr);
  ViewPlane plane() const { return plane_; }
  // Where picture pixel (x, y)'s centre is in the widget; and back (false outside the picture).
  QPointF widgetPoint(double x, double y) const;
  bool picturePixel(const QPointF& widget, int& x, int& y) const;

 signals:
  void stateChanged();  // the crosshair or the window moved: every view repaints

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;

 private:
  QRectF pictureRect() const;
  void pointAt(const QPointF& widget);

  ViewerState& state_;
  ViewPlane plane_;
  QPointF dragStart_;
  WindowLevel windowAtDragStart_;
};

}  // namespace krait::studio
