// NRRD files (ITK) read by io::readVolume, which promises Error(Input) naming the file for anything it cannot read.
// An input holding "\nKRAIT-DATA-FILE\n" is a detached header, then the file data.raw that it may name.
#include "fuzz_input.h"
#include "krait/base/error.h"
#include "krait/io/volume_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto parts = krait::fuzz::splitInput(data, size, "\nKRAIT-DATA-FILE\n", 2);
    if (parts.size() == 2) krait::fuzz::writeInput(reinterpret_cast<const uint8_t*>(parts[1].data()), parts[1].size(), "data.raw");
    krait::io::readVolume(krait::fuzz::writeInput(reinterpret_cast<const uint8_t*>(parts[0].data()), parts[0].size(),
                                                  parts.size() == 2 ? "volume.nhdr" : "volume.nrrd"));
  } catch (const krait::Error&) {
  }
  return 0;
}
