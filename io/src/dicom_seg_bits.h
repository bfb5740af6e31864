#pragma once
// Binary SEG pixel data: one bit per pixel, the first pixel in the lowest bit of the first byte, and the frames
// concatenated bit after bit with no padding between them (PS3.5 8.1.1 and PS3.3 C.8.20.2). Done here rather
// than by DCMTK: dcmseg 3.6.7 shifts every frame after the first when rows x columns is not a multiple of 8,
// both when it writes and when it reads (a 13 x 11 test: 263 of 715 bits wrong as written, 16 as read back).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace krait::io::dicom {

// Bytes of pixel data for `frames` frames of `pixels` pixels each, rounded up to the even length DICOM wants.
std::size_t packedBytes(std::size_t frames, std::size_t pixels);

// Sets frame `frame`'s bits from `mask` (one byte per pixel, nonzero = set) in `packed` (zeroed beforehand).
void packFrame(std::vector<uint8_t>& packed, std::size_t frame, std::size_t pixels, const uint8_t* mask);

// Frame `frame` of `packed` into `mask`, one byte per pixel, 0 or 1.
void unpackFrame(const uint8_t* packed, std::size_t frame, std::size_t pixels, uint8_t* mask);

}  // namespace krait::io::dicom
