#pragma once
// What every selective-scan entry point shares (selective_scan.h): the shape rules the forward kernels and the
// backward passes enforce, and the backward passes' last step.
#include "krait/models/ops/selective_scan.h"

namespace krait::models {

// Throws std::invalid_argument naming what is missing or mis-shaped.
void checkSelectiveScanInputs(const SelectiveScanInputs& in);

// The gradients a backward kernel computed (B and C grouped, A, D and deltaBias already summed over the batch)
// in each input's shape and type; undefined where the input is absent.
SelectiveScanGradients asInputGradients(const SelectiveScanInputs& in, const SelectiveScanGradients& computed);

}  // namespace krait::models
