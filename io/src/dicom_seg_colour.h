#pragma once
// Recommended Display CIELab Value: DICOM's scaled CIELab (L 0..100 and a, b -128..127 mapped onto 0..65535,
// D65 white) to and from the sRGB colours Krait's label tables hold.
#include <array>
#include <cstdint>

namespace krait::io::dicom {

std::array<uint16_t, 3> rgbToDicomLab(const std::array<uint8_t, 3>& rgb);
std::array<uint8_t, 3> dicomLabToRgb(const std::array<uint16_t, 3>& lab);

}  // namespace krait::io::dicom
