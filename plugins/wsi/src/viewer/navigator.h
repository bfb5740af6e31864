// The slide in small (its overview, the lowest level) with the view's rectangle on it; a click or a drag centres
// the view there.
#pragma once

#include <QImage>
#include <QWidget>

namespace krait::wsi {

class SlideView;

class Navigator : public QWidget {
 public:
  explicit Navigator(SlideView* view, QWidget* parent = nullptr);

  // Where the overview is drawn in the widget, and the view's visible area on it (widget pixels); empty without
  // a slide with an overview.
  QRectF overviewArea() const;
  QRectF viewportRect() const;
  // The level-0 point under a widget pixel.
  QPointF level0At(QPointF pixel) const;

  QSize sizeHint() const override { return {260, 200}; }
  QSize minimumSizeHint() const override { return {160, 150}; }

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;

 private:
  SlideView* view_;
  QImage scaled_;  // the overview at the widget's size, redone when either changes
  qint64 scaledFrom_ = 0;
};

}  // namespace krait::wsi
