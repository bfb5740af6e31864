// WFDB records (Krait's own reader, wfdb_reader.cpp) read by ecg::readEcg through their header, which promises
// FileError naming the file at fault. An input holding "\nKRAIT-DATA-FILE\n" is the header, then the signal file,
// written both as record.dat (a raw sample stream) and record.mat (a challenge MATLAB v4 matrix): the header names
// either, or "record" for record.mat. Without it the header's signal files are missing.
#include <filesystem>

#include "ecg_reader.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto folder = krait::fuzz::scratchFolder() / "wfdb";
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder);
  const auto parts = krait::fuzz::splitInput(data, size, "\nKRAIT-DATA-FILE\n", 2);
  if (parts.size() == 2)
    for (const char* name : {"wfdb/record.dat", "wfdb/record.mat"})
      krait::fuzz::writeInput(reinterpret_cast<const uint8_t*>(parts[1].data()), parts[1].size(), name);
  try {
    krait::ecg::readEcg(krait::fuzz::writeInput(reinterpret_cast<const uint8_t*>(parts[0].data()), parts[0].size(),
                                                "wfdb/record.hea"));
  } catch (const krait::ecg::FileError&) {
  }
  return 0;
}
