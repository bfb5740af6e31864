#pragma once
#include "krait/models/ops/cross_scan.h"
#include "krait/models/ops/selective_scan.h"

namespace krait::models {

// selectiveScan for CUDA tensors (inputs checked by the caller). The output is (batch, channels, length) in
// u's dtype with channels the fastest axis.
torch::Tensor selectiveScanCuda(const SelectiveScanInputs& in);
// crossScan for CUDA tensors (checked by the caller): one scan whose indexing walks the grid in the four orders.
torch::Tensor crossScanCuda(const CrossScanInputs& in);
// selectiveScanBackward for CUDA tensors (checked by the caller): each gradient in its input's type and shape.
SelectiveScanGradients selectiveScanBackwardCuda(const SelectiveScanInputs& in, const torch::Tensor& gradOut);

}  // namespace krait::models
