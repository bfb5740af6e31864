#include "viewport.h"

#include <algorithm>

namespace krait::studio {

Rect Viewport::place(double viewWidth, double viewHeight, double widthMm, double heightMm) const {
  if (widthMm <= 0 || heightMm <= 0) return {};
  const double scale = std::min(viewWidth / widthMm, viewHeight / heightMm) * zoom;
  const double w = widthMm * scale, h = heightMm * scale;
  return {(viewWidth - w) / 2.0 + panX, (viewHeight - h) / 2.0 + panY, w, h};
}

void Viewport::zoomAbout(double factor, double x, double y, double viewWidth, double viewHeight, double widthMm,
                         double heightMm) {
  const Rect before = place(viewWidth, viewHeight, widthMm, heightMm);
  if (before.width <= 0) return;
  // The picture point under (x, y), as a fraction of the picture, stays under (x, y).
  const double u = (x - before.left) / before.width, v = (y - before.top) / before.height;
  zoom = std::clamp(zoom * factor, 0.25, 64.0);
  const Rect after = place(viewWidth, viewHeight, widthMm, heightMm);
  panX += x - (after.left + u * after.width);
  panY += y - (after.top + v * after.height);
}

}  // namespace krait::studio
