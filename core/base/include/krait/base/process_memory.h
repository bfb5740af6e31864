#pragma once
// The process's memory as the kernel counts it (Linux), for reports and benchmarks.

namespace krait {

// Peak resident memory in GiB since the last resetPeakMemory() (Linux VmHWM), else since the process began.
// The reset lets a batch report each case's own peak.
void resetPeakMemory();
double peakResidentGiB();

}  // namespace krait
