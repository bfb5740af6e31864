// What the ECG file readers and writers share, so that every format spells units, dates and ages alike.
#pragma once

#include <ctime>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "record.h"

namespace krait::ecg {

// Microvolts per unit for the voltage units files write ("V", "mV", "uV", "µV", "nV"); 0 for anything else
// (units are case-sensitive: "MV" would be megavolts).
double microvoltsPerUnit(const std::string& unit);

// The grid the values were quantised to, as a gain in steps per mV: every value is a whole multiple of
// 1000 / gain µV, computed as readWfdb computes it from a header that prints the gain in full (shortest
// round-trip form). The coarsest grid found wins (int16 counts at 1.25 µV -> 800). 0 when the values lie on no
// grid of at most 2^20 steps from zero (computed in floating point, or quantised with an offset); 1000 when
// every value is 0.
double gridGain(const std::vector<float>& microvolts);

// info["acquired"] as every reader of the plugin writes it (as the DICOM reader does): "YYYY-MM-DD hh:mm:ss".
std::string acquiredText(const std::tm& t);
// The inverse, for the writers; false when `text` is not in that form.
bool parseAcquired(const std::string& text, std::tm& t);

// Whole years from `birth` to `on` (fields tm_year, tm_mon, tm_mday), for info["age"].
int yearsBetween(const std::tm& birth, const std::tm& on);

// What every writer needs of a record: leads of one length > 0, a sampling rate > 0, finite samples; throws
// FileError(path, ...) naming the first lead or sample at fault.
void checkWritable(const Record& record, const std::string& path);

// Runs `write` on a path in a hidden staging folder beside `path` (companion files go into the same folder) and
// moves the results into place only when it returns: nothing half-written is left on failure. (Krait's own
// AtomicOutput is in krait_base, which a plugin does not link: it reaches Krait only through krait/plugin.h.)
void writeAtomically(const std::string& path, const std::function<void(const std::filesystem::path& staging)>& write);
// `bytes` as the whole of `path`, through writeAtomically.
void writeFileAtomically(const std::string& path, std::string_view bytes);

}  // namespace krait::ecg
