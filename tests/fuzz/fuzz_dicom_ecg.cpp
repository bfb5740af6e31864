// DICOM ECG waveforms (DCMTK parses; Krait chooses the multiplex group, calibrates the channels and reads the
// annotations, dicom_ecg.cpp) read by ecg::readEcg, which tells them by their SOP class and promises FileError
// naming the file.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/oflog/oflog.h>

#include "ecg_reader.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // DCMTK's warnings about each broken file cost more than the parse.
  static const bool quiet = (OFLog::configure(OFLogger::FATAL_LOG_LEVEL), true);
  (void)quiet;
  try {
    krait::ecg::readEcg(krait::fuzz::writeInput(data, size, "ecg.dcm"));
  } catch (const krait::ecg::FileError&) {
  }
  return 0;
}
