#pragma once
// Pixel data of one DICOM frame as numbers: every transfer syntax decoded, bits unpacked, signed values
// extended, colour models turned into RGB and palettes expanded. Modality rescale is applied by the caller.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include <string>
#include <vector>

namespace krait::io::dicom {

struct PixelLayout {
  int rows = 0;
  int columns = 0;
  int samplesPerPixel = 1;
  int bitsAllocated = 0;
  int bitsStored = 0;
  int highBit = 0;
  bool isSigned = false;
  std::string photometric;

  int channels() const { return photometric == "PALETTE COLOR" ? 3 : samplesPerPixel; }
  bool isColour() const { return channels() == 3; }
};

// Throws Error(Input) naming `file` when there is no pixel data or it is of a kind Krait does not read.
PixelLayout readPixelLayout(DcmDataset& dataset, const std::string& file);

struct FrameDecoder {
  DcmDataset& dataset;
  PixelLayout layout;
  unsigned long frames;
  std::string file;
  Uint32 nextFragment = 0;  // DCMTK's cursor through the compressed fragments, frame after frame

  // Values of frame `frame` in (channel, row, column) order: stored values for greyscale, 0..255 (or
  // 0..65535) RGB for colour.
  std::vector<double> decode(unsigned long frame);
};

}  // namespace krait::io::dicom
