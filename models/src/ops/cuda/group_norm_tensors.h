#pragma once
#include <torch/types.h>

namespace krait::models {

// normalizeGroups on CUDA tensors with the fused kernel; false (nothing done) for a dtype it does not take.
bool normalizeGroupsCuda(const torch::Tensor& x, const torch::Tensor& out, int64_t groups, const torch::Tensor& weight,
                         const torch::Tensor& bias, double slope, const torch::Tensor& residual);

}  // namespace krait::models
