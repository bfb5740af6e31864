// EDF, EDF+, BDF and BDF+ files (EDFlib parses; Krait picks the voltage signals, checks their rates and reads the
// header fields) read by ecg::readEcg, which promises FileError naming the file. EDFlib tells EDF from BDF by the
// file's first bytes, not its name, so every input is record.edf.
#include "ecg_reader.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    krait::ecg::readEcg(krait::fuzz::writeInput(data, size, "record.edf"));
  } catch (const krait::ecg::FileError&) {
  }
  return 0;
}
