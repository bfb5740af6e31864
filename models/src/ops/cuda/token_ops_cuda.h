#pragma once
// Launch interfaces of the token kernels: the Mamba layers' causal depthwise convolution with its SiLU (fp32,
// as those layers run), and LayerNorm over the channels of each token (fp32, fp16 or bf16 in, fp32 or the
// input's type out, fp32 arithmetic). Both read (batch, tokens, channels) with any strides and write a
// contiguous (batch, tokens, channels) tensor.
#include <cuda_runtime.h>

#include <cstdint>

#include "element_type.h"

namespace krait::models::cuda {

struct TokenView {
  const void* data = nullptr;
  ElementType type = ElementType::Float32;  // the causal convolution takes Float32 only
  int64_t batch = 0, tokens = 0, channels = 0;
  int64_t stride[3] = {};  // batch, token, channel
};

// out[b, l, c] = silu(bias[c] + sum_k weight[c, k] * x[b, l - taps + 1 + k, c]) (zero before the start).
void launchCausalConv1dSilu(const TokenView& x, const float* weight, const float* bias, int taps, float* out,
                            cudaStream_t stream);

// The most channels the LayerNorm kernel takes.
constexpr int64_t kMaxLayerNormChannels = 1024;

// out = (x - mean) / sqrt(var + eps) * weight + bias over each token's channels (biased variance), as
// outType: Float32, or x's own type.
void launchLayerNorm(const TokenView& x, const float* weight, const float* bias, double eps, void* out,
                     ElementType outType, cudaStream_t stream);

}  // namespace krait::models::cuda
