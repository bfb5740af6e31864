// DICOM SEG files read by io::readDicomSegInfo (DCMTK's dcmseg, then Krait's checks of segments and frames),
// which promises Error(Input) naming the file.
#include "fuzz_input.h"
#include "krait/base/error.h"
#include "krait/io/dicom.h"
#include "krait/io/dicom_seg.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = (krait::io::showDicomMessages(false), true);
  (void)quiet;
  try {
    krait::io::readDicomSegInfo(krait::fuzz::writeInput(data, size, "seg.dcm"));
  } catch (const krait::Error&) {
  }
  return 0;
}
