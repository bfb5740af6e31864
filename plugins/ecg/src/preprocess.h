// A recording made into the network's input as the model spec says (spec plugins.md §2.3): leads in the
// network's order (III, aVR, aVL and aVF derived from I and II when absent), resampled to the model's rate,
// band-passed forward and backward, z-scored per lead (flat leads: zeros), then windows of the model's length (one left-padded
// window for a shorter recording). What was done to the recording is said in `notes`, for the results.
#pragma once

#include <string>
#include <vector>

#include "leads.h"
#include "model_spec.h"
#include "record.h"

namespace krait::ecg {

struct NetworkInput {
  int64_t windows = 0, leads = 0, length = 0;
  std::vector<float> values;       // (windows, leads, length), row-major
  std::vector<std::string> notes;  // "resampled from 1000 Hz to 500 Hz", "lead aVR derived from I and II", ...
};

// ISIBrno-AIMT's contract (spec plugins.md §1.3, §2.3) for windows of `length` samples: the 12 standard leads,
// 500 Hz, Butterworth order 3 at 1-47 Hz, per-lead z-score, windows every length / 2 samples aggregated by max.
InputContract isibrnoInput(int64_t length);

// Throws FileError (naming the record's file) when the record cannot make an input: no sampling rate, none of
// the model's leads, or too few samples to filter.
NetworkInput prepareInput(const Record& record, const InputContract& input);

}  // namespace krait::ecg
