// The heart rate of a recording from its QRS complexes, as `krait ecg classify` reports it beside the classes:
// a Pan-Tompkins style detector (band-pass 5-15 Hz, derivative, squaring, 150 ms moving-window integration,
// adaptive threshold, 200 ms refractory period) on the lead with the clearest complexes.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "record.h"

namespace krait::ecg {

struct HeartRate {
  double beatsPerMinute = 0.0;     // 60 / median RR; 0 when fewer than two beats were found
  std::vector<std::size_t> beats;  // sample index of each R peak, in the lead's samples
  std::string lead;                // the lead the beats were found in
};

// Beats in one lead of `rateHz` samples (microvolts).
std::vector<std::size_t> detectBeats(const std::vector<float>& lead, double rateHz);

// Over the record's leads: the lead whose beats are the most regular (least RR spread) among those giving at
// least two beats, preferring II, the rhythm lead of the 12-lead layout, when it is as regular as the best.
HeartRate heartRate(const Record& record);

}  // namespace krait::ecg
