// WFDB records (PhysioNet): a .hea header and its signal files, read by hand because no library on Debian reads
// them correctly: there is no packaged WFDB library, and biosig 2.5.0 misplaces the samples of every multi-signal
// record in formats 16, 61, 80, 24 and 32 (212 alone comes out right), ignores the baseline, crashes on a missing
// signal file, reads a truncated one without an error and drops the "#" comments (Dx codes, age, sex).
#pragma once

#include <string>

#include "record.h"

namespace krait::ecg {

// Reads the record whose header is `headerPath`. The header is parsed leniently as the PhysioNet/CinC challenges
// write it: a "dd-Mon-yyyy hh:mm:ss" date on the record line as well as WFDB's "hh:mm:ss dd/mm/yyyy", "16x1+24",
// "1000.0(0)/mV", a gain of 0 or none meaning 200 adu/mV, the baseline defaulting to ADC zero, units to mV. A
// signal file named without its ".mat" (the 2021 reduced-lead headers) is found as <name>.mat; a ".mat" signal
// file must start with the MATLAB v4 header of an int16 signals×samples matrix the header's byte offset skips.
// Formats 16, 61, 80, 24, 32 and 212 (one sample per frame, no skew; single-segment records). Samples in µV;
// WFDB's invalid-sample value reads as 0 µV and info["invalid samples"] counts them. Signals not in volts are
// left out and named in info["ignored signals"]. Comments: "#Dx:"/"# Dx:" codes go to diagnosisCodes, "#Age"
// and "#Sex" to info["age"]/info["sex"] ("Male"/"Female"), other "#key: value" lines to info[key] (values
// "Unknown"/"NaN" are left out), free comments to info["comments"]; the record line's date to info["acquired"].
// Throws FileError naming the file at fault (the header, or a missing, truncated or mistyped signal file, or one
// that is no regular file: a folder, a device).
Record readWfdb(const std::string& headerPath);

}  // namespace krait::ecg
