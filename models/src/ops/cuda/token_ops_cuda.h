#pragma once
// Launch interfaces of the token kernels: the Mamba layers' causal depthwise convolution with its SiLU (out in
// the input's type), and LayerNorm over the channels of each token (out in any of the types); both read fp32,
// fp16 or bf16 and compute in fp32. Both read (batch, tokens, channels) with any strides and write a
// contiguous (batch, tokens, channels) tensor.
#include <cuda_runtime.h>

#include <cstdint>

#include "element_type.h"

namespace krait::models::cuda {

struct TokenView {
  const void* data = nullptr;
  ElementType type = ElementType::Float32;
  int64_t batch = 0, tokens = 0, channels = 0;
  int64_t stride[3] = {};  // batch, token, channel
};

// out[b, l, c] = silu(bias[c] + sum_k weight[c, k] * x[b, l - taps + 1 + k, c]) (zero before the start).
void launchCausalConv1dSilu(const TokenView& x, const float* weight, const float* bias, int taps, void* out,
                            cudaStream_t stream);

// The most channels the LayerNorm kernel takes.
constexpr int64_t kMaxLayerNormChannels = 1024;

// out = (x - mean) / sqrt(var + eps) * weight + bias over each token's channels (biased variance), as outType.
void launchLayerNorm(const TokenView& x, const float* weight, const float* bias, double eps, void* out,
                     ElementType outType, cudaStream_t stream);

}  // namespace krait::models::cuda
