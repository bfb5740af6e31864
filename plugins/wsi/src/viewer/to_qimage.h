// Slide pixels (slide.h's interleaved RGB) as the QImage format QPainter draws fastest on the raster engine.
#pragma once

#include <QImage>

#include "slide.h"

namespace krait::wsi {

// Format_RGB32 (opaque 0xffRRGGBB), a deep copy.
QImage toQImage(const RgbImage& rgb);

}  // namespace krait::wsi
