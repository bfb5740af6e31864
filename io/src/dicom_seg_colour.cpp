#include "dicom_seg_colour.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmiod/cielabutil.h>

#include <algorithm>
#include <cmath>

namespace krait::io::dicom {

namespace {

template <typename T> T rounded(double v, double max) { return static_cast<T>(std::lround(std::clamp(v, 0.0, max))); }

}  // namespace

std::array<uint16_t, 3> rgbToDicomLab(const std::array<uint8_t, 3>& rgb) {
  double l = 0, a = 0, b = 0;
  IODCIELabUtil::rgb2DicomLab(l, a, b, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
  return {rounded<uint16_t>(l, 65535), rounded<uint16_t>(a, 65535), rounded<uint16_t>(b, 65535)};
}

std::array<uint8_t, 3> dicomLabToRgb(const std::array<uint16_t, 3>& lab) {
  double r = 0, g = 0, b = 0;
  IODCIELabUtil::dicomLab2RGB(r, g, b, lab[0], lab[1], lab[2]);
  return {rounded<uint8_t>(r * 255, 255), rounded<uint8_t>(g * 255, 255), rounded<uint8_t>(b * 255, 255)};
}

}  // namespace krait::io::dicom
