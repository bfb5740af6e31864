#include "to_qimage.h"

namespace krait::wsi {

QImage toQImage(const RgbImage& rgb) {
  QImage image(static_cast<int>(rgb.width), static_cast<int>(rgb.height), QImage::Format_RGB32);
  const uint8_t* in = rgb.pixels.data();
  for (int y = 0; y < image.height(); ++y) {
    auto* out = reinterpret_cast<QRgb*>(image.scanLine(y));
    for (int x = 0; x < image.width(); ++x, in += 3) out[x] = qRgb(in[0], in[1], in[2]);
  }
  return image;
}

}  // namespace krait::wsi
