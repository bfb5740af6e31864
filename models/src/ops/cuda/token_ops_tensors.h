#pragma once
#include <torch/types.h>

namespace krait::models {

// The CUDA token kernels (token_ops_cuda.h); an undefined tensor where they do not apply (other devices or
// types, more channels than the kernel takes), for the caller's LibTorch path.
// x: fp32, fp16 or bf16 (batch, tokens, channels), any strides; the result has x's type.
torch::Tensor causalConv1dSiluCuda(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);
// x: (..., channels) of fp32, fp16 or bf16 whose leading axes but the first merge into one token axis (a
// channels-first map's voxels, (batch, rows, columns)); the result is contiguous, of type `out` (fp32, fp16 or bf16).
torch::Tensor layerNormCuda(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, double eps,
                            torch::ScalarType out);

}  // namespace krait::models
