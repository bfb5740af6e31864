#pragma once
// VMamba's cross scan, the heart of SS2D (forward_core, as Swin-UMamba copies it): four selective scans over an
// h x w grid of tokens (by rows, by columns, and both backwards), each direction with channels of its own (A, D,
// delta bias) and its own B and C, whose outputs are summed back at the grid positions in the official order
// (rows, rows backwards, columns, columns backwards). Inputs in grid order with the channels last, as SS2D's
// projections give them:
//   x: (batch, h, w, d), u of every direction (the same tokens, read in four orders)
//   delta: (4, batch, h, w, d)
//   B, C: (batch, h, w, 4, N), row-major over the grid (slices of one projection may keep its strides)
//   A: (4d, N) fp32; D, deltaBias: (4d) fp32, direction k's channels being k*d .. k*d + d - 1
// with softplus on delta + deltaBias and no gate. Returns y (batch, h, w, d) in fp32: the official code scans in
// fp32, so inputs of other types are converted (exactly) first.
#include <torch/types.h>

namespace krait::models {

constexpr int64_t kCrossScanDirections = 4;

struct CrossScanInputs {
  torch::Tensor x, delta, B, C, A, D, deltaBias;
};

// CUDA tensors, unless autograd records: one scan whose indexing walks the grid in the four orders, with no
// flipped, transposed or stacked copies. Otherwise the four sequences are built and merged with LibTorch ops
// around selectiveScan (differentiable where autograd records).
torch::Tensor crossScan(const CrossScanInputs& in);

}  // namespace krait::models
