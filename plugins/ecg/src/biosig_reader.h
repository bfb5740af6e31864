// SCP-ECG (EN 1064) and HL7 aECG files, read with BioSig (libbiosig 2.5.0, GPL-3.0-or-later: a Krait build
// that links it is distributable under the GPL only).
#pragma once

#include <string>

#include "record.h"

namespace krait::ecg {

// Reads an SCP-ECG or HL7 aECG file: leads in µV with biosig's lead names ("I", "aVR", "V1", ...), the sampling
// rate; info "patient id", "sex" ("Male"/"Female"), "age", "acquired", "device", "low-pass filter Hz",
// "high-pass filter Hz", "notch filter Hz" where the file gives them (non-voltage channels are left out and
// named in info["ignored signals"]). Other formats biosig knows are refused: WFDB (readWfdb) and EDF/BDF
// (readEdf) because biosig misreads or misses broken ones, the rest because nothing here checks them.
// biosig crashes (SIGSEGV, SIGFPE, abort) or hangs on some malformed files, so it runs in a child process with
// a time limit; a crash, a hang or any error is a FileError naming the file and the reason.
Record readWithBiosig(const std::string& path);

}  // namespace krait::ecg
