#include "dicom_seg_bits.h"

namespace krait::io::dicom {

std::size_t packedBytes(std::size_t frames, std::size_t pixels) {
  const std::size_t bytes = (frames * pixels + 7) / 8;
  return bytes + bytes % 2;
}

void packFrame(std::vector<uint8_t>& packed, std::size_t frame, std::size_t pixels, const uint8_t* mask) {
  const std::size_t first = frame * pixels;
  for (std::size_t i = 0; i < pixels; ++i)
    if (mask[i]) packed[(first + i) / 8] |= static_cast<uint8_t>(1u << ((first + i) % 8));
}

void unpackFrame(const uint8_t* packed, std::size_t frame, std::size_t pixels, uint8_t* mask) {
  const std::size_t first = frame * pixels;
  for (std::size_t i = 0; i < pixels; ++i) mask[i] = (packed[(first + i) / 8] >> ((first + i) % 8)) & 1u;
}

}  // namespace krait::io::dicom
