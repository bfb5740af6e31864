// Where level-0 pixels land on the screen: the level-0 point at the middle of the viewport and the screen pixels
// per level-0 pixel. The view, its layers and the navigator all map through it.
#pragma once

#include <QPointF>
#include <QRectF>
#include <QSizeF>
#include <QTransform>

namespace krait::wsi {

struct ViewTransform {
  QPointF centre;             // level-0 pixels
  double scale = 1;           // screen pixels per level-0 pixel
  QSizeF viewport;            // screen pixels
  double devicePixelRatio = 1;  // device pixels per screen pixel (2 on a HiDPI screen)

  QPointF toScreen(QPointF level0) const { return (level0 - centre) * scale + middle(); }
  QPointF toLevel0(QPointF screen) const { return (screen - middle()) / scale + centre; }
  QRectF toScreen(const QRectF& level0) const { return {toScreen(level0.topLeft()), toScreen(level0.bottomRight())}; }
  QRectF visibleLevel0() const { return {toLevel0({0, 0}), toLevel0({viewport.width(), viewport.height()})}; }
  // For QPainter: level-0 coordinates in, screen pixels out.
  QTransform level0ToScreen() const {
    const QPointF m = middle() - centre * scale;
    return QTransform(scale, 0, 0, scale, m.x(), m.y());
  }
  // Level-0 pixels per device pixel: the downsample the pyramid level should have.
  double downsample() const { return 1.0 / (scale * devicePixelRatio); }

 private:
  QPointF middle() const { return {viewport.width() / 2, viewport.height() / 2}; }
};

}  // namespace krait::wsi
