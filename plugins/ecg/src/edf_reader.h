// EDF, EDF+, BDF and BDF+ files, read with EDFlib (libedf, BSD-3-Clause). biosig 2.5.0 reads correct files as
// well, but takes broken ones without an error — a truncated file, an unreadable signal count, more data records
// declared than present, digital minimum = maximum (samples of -inf); EDFlib refuses every one.
#pragma once

#include <mutex>
#include <string>

#include "record.h"

namespace krait::ecg {

// Reads the signals in volts (µV, mV, V), each lead's samples in µV, named by their labels; the sampling rate
// is samples per data record / record duration, which need not be 1 s. Other signals are left out and named in
// info["ignored signals"]; the kept ones must share one rate. EDF+/BDF+ header fields go to info: "patient id",
// "sex" ("Male"/"Female"), "age" (from the birth date; the date itself is not kept), "acquired", "device".
// Discontinuous files (EDF+D) are refused. Throws FileError naming the file and the reason.
Record readEdf(const std::string& path);

// EDFlib keeps its open files in one global table without a lock: every use of it holds this mutex.
std::mutex& edflibMutex();

}  // namespace krait::ecg
