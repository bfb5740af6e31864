#pragma once
// Training and inference share the layers. Krait's fused kernels (norms, the causal convolution, token ops, the
// forward scan) write through raw pointers, which LibTorch's autograd cannot follow; where autograd records
// (grad mode on and an operand that requires a gradient) the layers take differentiable paths instead —
// LibTorch's own ops, or the scan's autograd op — and inference keeps the kernels.
#include <torch/types.h>

#include <initializer_list>

namespace krait::models {

inline bool recordsGradient(std::initializer_list<torch::Tensor> tensors) {
  if (!at::GradMode::is_enabled()) return false;
  for (const torch::Tensor& t : tensors)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

}  // namespace krait::models
