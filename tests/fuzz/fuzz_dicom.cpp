// A DICOM series assembled by io::readVolume from a folder (DCMTK parses each file; Krait sorts the slices,
// checks their geometry and decodes pixels through DCMTK's and OpenJPEG's codecs). An input holding
// "KRAIT-NEXT-SLICE" stands for several files, one slice each (at most 8). readVolume promises Error(Input).
#include <filesystem>

#include "fuzz_input.h"
#include "krait/base/error.h"
#include "krait/io/dicom.h"
#include "krait/io/volume_io.h"

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = (krait::io::showDicomMessages(false), true);
  (void)quiet;
  const fs::path folder = krait::fuzz::scratchFolder() / "series";
  fs::remove_all(folder);
  fs::create_directories(folder);
  const auto slices = krait::fuzz::splitInput(data, size, "KRAIT-NEXT-SLICE", 8);
  for (std::size_t i = 0; i < slices.size(); ++i)
    krait::fuzz::writeInput(reinterpret_cast<const uint8_t*>(slices[i].data()), slices[i].size(),
                            "series/" + std::to_string(i) + ".dcm");
  try {
    krait::io::readVolume(folder);
  } catch (const krait::Error&) {
  }
  return 0;
}
