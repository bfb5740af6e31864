#pragma once
// Shared by the CPU and CUDA selective-scan tests: random inputs shaped as Mamba passes them, and the closeness
// check both use.
#include "krait/models/ops/selective_scan.h"

namespace krait::test {

struct Sizes {
  int64_t batch, channels, length, states, groups;  // groups 0: plain (B, N, L) layout
};

// fp32 CPU inputs; `extras` adds D, z, deltaBias and the softplus.
models::SelectiveScanInputs randomInputs(const Sizes& s, bool extras, uint64_t seed = 0);

// |got - want| <= rtol |want| + atol * max|want| everywhere (atol relative to the output's scale, since
// outputs cross zero).
void expectClose(const torch::Tensor& got, const torch::Tensor& want, double rtol, double atol);

}  // namespace krait::test
