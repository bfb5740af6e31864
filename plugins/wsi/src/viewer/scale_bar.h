// The view's scale bar: the longest round length (1, 2 or 5 times a power of ten) that fits the room, in µm or mm
// from the slide's pixel size, or in level-0 pixels when the slide does not say its pixel size.
#pragma once

#include <QString>

class QPainter;
class QRectF;

namespace krait::wsi {

struct ScaleBar {
  double lengthPx = 0;  // on screen
  QString text;         // "50 µm", "2 mm", "500 px"
  QString note;         // "pixel size unknown" when the length is in pixels, else empty
};

// mppX: µm per level-0 pixel (0 when unknown); scale: screen pixels per level-0 pixel; maxPx: the room.
ScaleBar scaleBarFor(double mppX, double scale, double maxPx = 160);

// The bar, its text and note on a light box at the bottom-left corner of `area`.
void paintScaleBar(QPainter& p, const ScaleBar& bar, const QRectF& area);

}  // namespace krait::wsi
