#pragma once
// Launch interfaces of the Mamba layers' token kernels (fp32, as those layers run): the causal depthwise
// convolution with its SiLU, and LayerNorm over the channels of each token. Both read (batch, tokens,
// channels) with any strides and write a contiguous (batch, tokens, channels) tensor.
#include <cuda_runtime.h>

#include <cstdint>

namespace krait::models::cuda {

struct TokenView {
  const float* data = nullptr;
  int64_t batch = 0, tokens = 0, channels = 0;
  int64_t stride[3] = {};  // batch, token, channel
};

// out[b, l, c] = silu(bias[c] + sum_k weight[c, k] * x[b, l - taps + 1 + k, c]) (zero before the start).
void launchCausalConv1dSilu(const TokenView& x, const float* weight, const float* bias, int taps, float* out,
                            cudaStream_t stream);

// The most channels the LayerNorm kernel takes.
constexpr int64_t kMaxLayerNormChannels = 1024;

// out = (x - mean) / sqrt(var + eps) * weight + bias over each token's channels (biased variance).
void launchLayerNorm(const TokenView& x, const float* weight, const float* bias, double eps, float* out,
                     cudaStream_t stream);

}  // namespace krait::models::cuda
