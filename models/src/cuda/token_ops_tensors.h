#pragma once
#include <torch/types.h>

namespace krait::models {

// The CUDA token kernels (token_ops_cuda.h) for fp32 CUDA tensors of (batch, tokens, channels), any strides;
// an undefined tensor where they do not apply (other devices or types), for the caller's LibTorch path.
torch::Tensor causalConv1dSiluCuda(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);
torch::Tensor layerNormCuda(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, double eps);

}  // namespace krait::models
