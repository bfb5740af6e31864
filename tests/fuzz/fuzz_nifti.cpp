// NIfTI-1 and NIfTI-2 files (.nii: header and voxels; Krait checks the header, ITK reads NIfTI-1, Krait NIfTI-2) read by io::readVolume, which promises Error(Input) naming the file for anything it cannot read.
#include "fuzz_input.h"
#include "krait/base/error.h"
#include "krait/io/volume_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    krait::io::readVolume(krait::fuzz::writeInput(data, size, "volume.nii"));
  } catch (const krait::Error&) {
  }
  return 0;
}
