// Writes WFDB records (.hea + .dat) that readWfdb, PhysioNet's WFDB library and wfdb-python read.
#pragma once

#include <string>

#include "record.h"

namespace krait::ecg {

// Writes `record` to `headerPath` (ending in ".hea"; its stem, of letters, digits, '_' and '-', names the record)
// and <stem>.dat beside it, in format 16 or 212, in mV. Per lead: when the samples lie on a grid (gridGain) the
// gain is that grid's, so that readWfdb returns the very same floats (int16 counts at 1.25 µV -> 800 adu/mV).
// A lead whose grid format 16 holds but 212 does not is refused in 212 (write 16 instead) rather than silently
// coarsened; leads on no grid, or on one finer than 16 bits hold, get the finest gain that fits (error at most
// half a step). The baseline is 0, or centres a lead that does not fit otherwise; WFDB's invalid-sample value
// is never written. info["acquired"] goes to the record line; diagnosisCodes to "#Dx: a,b"; "age" and "sex"
// to "#Age:" and "#Sex:"; "comments" to "# " lines; other info keys to "#key: value" lines, so that readWfdb
// returns them. Written through krait::AtomicOutput (the .dat moved into place before the header); throws
// FileError naming the file and the reason.
void writeWfdb(const Record& record, const std::string& headerPath, int format /* 16 or 212 */);

}  // namespace krait::ecg
