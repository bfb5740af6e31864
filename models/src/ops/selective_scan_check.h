#pragma once
// The shape rules every selective-scan entry point enforces (selective_scan.h): the forward kernels and the
// backward pass check the same way.
#include "krait/models/ops/selective_scan.h"

namespace krait::models {

// Throws std::invalid_argument naming what is missing or mis-shaped.
void checkSelectiveScanInputs(const SelectiveScanInputs& in);

}  // namespace krait::models
