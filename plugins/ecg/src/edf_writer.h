// Writes EDF+ files with EDFlib (libedf).
#pragma once

#include <string>

#include "record.h"

namespace krait::ecg {

// Writes `record` to `path` as EDF+ (16-bit), one signal per lead labelled with its name (EDF keeps 16
// characters), physical dimension "uV". Per lead the physical range is chosen so that readEdf returns every
// sample within half a digital step, and exactly when the samples lie on a grid whose range EDF's 8-character
// fields can spell (int16 counts at 1.25 µV: -40960..40958.75). Values beyond ±99999999 µV do not fit those
// fields and are refused. Data records last 1 s when that divides the record, else the longest span (at most
// 60 s, in whole 10 µs) that does. info: "patient id", "sex", "device", "acquired" (01.01.85 00.00.00 when
// unknown) go to the EDF+ header fields. Written through krait::AtomicOutput; throws FileError naming the
// file and the reason.
void writeEdf(const Record& record, const std::string& path);

}  // namespace krait::ecg
