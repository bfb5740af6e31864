// The Mamba layers' token kernels. Through LibTorch, the causal convolution needs its input transposed to
// channels-first and back and runs PyTorch's generic depthwise kernel, and LayerNorm gives each token (rows of
// 32 to 768 channels) a block of its own; here the convolution reads the projection's channels-last output in
// place, and a team of 4 to 32 threads normalises each token from registers.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "token_ops_cuda.h"

namespace krait::models::cuda {

namespace {

constexpr int kThreads = 256;

__global__ void __launch_bounds__(kThreads) causalConv1dSilu(TokenView x, const float* __restrict__ weight,
                                                             const float* __restrict__ bias, int taps,
                                                             float* __restrict__ out) {
  const int64_t total = x.batch * x.tokens * x.channels;
  for (int64_t i = int64_t{blockIdx.x} * kThreads + threadIdx.x; i < total; i += int64_t{gridDim.x} * kThreads) {
    const int64_t c = i % x.channels, token = i / x.channels, l = token % x.tokens, b = token / x.tokens;
    const float* base = x.data + b * x.stride[0] + c * x.stride[2];
    float acc = bias ? bias[c] : 0.0f;
    for (int k = 0; k < taps; ++k) {
      const int64_t source = l - (taps - 1) + k;
      if (source >= 0) acc += weight[c * taps + k] * base[source * x.stride[1]];
    }
    out[i] = acc / (1.0f + expf(-acc));
  }
}

// Team of T threads per token, each holding up to K of its channels (c = rank + T * j) in registers.
template <int T, int K>
__global__ void __launch_bounds__(kThreads) layerNorm(TokenView x, const float* __restrict__ weight,
                                                      const float* __restrict__ bias, float eps, float* __restrict__ out) {
  const int64_t rows = x.batch * x.tokens, C = x.channels;
  const int64_t row = (int64_t{blockIdx.x} * kThreads + threadIdx.x) / T;
  const int rank = threadIdx.x % T;
  const bool active = row < rows;  // inactive threads still take part in the team's shuffles
  const float* in = x.data + (active ? row / x.tokens * x.stride[0] + row % x.tokens * x.stride[1] : 0);
  float v[K];
  float sum = 0;
#pragma unroll
  for (int j = 0; j < K; ++j) {
    const int64_t c = rank + int64_t{T} * j;
    v[j] = active && c < C ? in[c * x.stride[2]] : 0.0f;
    sum += v[j];
  }
#pragma unroll
  for (int o = T / 2; o > 0; o /= 2) sum += __shfl_xor_sync(0xffffffffu, sum, o, T);
  const float mean = sum / static_cast<float>(C);
  float squares = 0;
#pragma unroll
  for (int j = 0; j < K; ++j) {
    const int64_t c = rank + int64_t{T} * j;
    const float d = c < C ? v[j] - mean : 0.0f;
    squares += d * d;
  }
#pragma unroll
  for (int o = T / 2; o > 0; o /= 2) squares += __shfl_xor_sync(0xffffffffu, squares, o, T);
  if (!active) return;
  const float rstd = rsqrtf(squares / static_cast<float>(C) + eps);
#pragma unroll
  for (int j = 0; j < K; ++j) {
    const int64_t c = rank + int64_t{T} * j;
    if (c < C) out[row * C + c] = (v[j] - mean) * rstd * (weight ? weight[c] : 1.0f) + (bias ? bias[c] : 0.0f);
  }
}

template <int T, int K>
void launchTeam(const TokenView& x, const float* weight, const float* bias, double eps, float* out, cudaStream_t stream) {
  const int64_t rows = x.batch * x.tokens, blocks = (rows * T + kThreads - 1) / kThreads;
  layerNorm<T, K><<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(x, weight, bias, static_cast<float>(eps), out);
}

void check(const char* what) {
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) throw std::runtime_error(std::string(what) + ": CUDA launch failed: " + cudaGetErrorString(err));
}

}  // namespace

void launchCausalConv1dSilu(const TokenView& x, const float* weight, const float* bias, int taps, float* out,
                            cudaStream_t stream) {
  const int64_t total = x.batch * x.tokens * x.channels;
  if (total == 0) return;
  const int64_t blocks = std::min<int64_t>((total + kThreads - 1) / kThreads, int64_t{1} << 20);
  causalConv1dSilu<<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(x, weight, bias, taps, out);
  check("causal conv1d");
}

void launchLayerNorm(const TokenView& x, const float* weight, const float* bias, double eps, float* out,
                     cudaStream_t stream) {
  if (x.channels < 1 || x.channels > kMaxLayerNormChannels)
    throw std::invalid_argument("layer norm: the CUDA kernel takes 1 to " + std::to_string(kMaxLayerNormChannels) +
                                " channels, not " + std::to_string(x.channels));
  if (x.batch * x.tokens == 0) return;
  // Eight channels a thread where that fills a team of at most 32; 32 channels a thread above 256 channels.
  const int64_t C = x.channels;
  if (C <= 8) launchTeam<1, 8>(x, weight, bias, eps, out, stream);
  else if (C <= 16) launchTeam<2, 8>(x, weight, bias, eps, out, stream);
  else if (C <= 32) launchTeam<4, 8>(x, weight, bias, eps, out, stream);
  else if (C <= 64) launchTeam<8, 8>(x, weight, bias, eps, out, stream);
  else if (C <= 128) launchTeam<16, 8>(x, weight, bias, eps, out, stream);
  else if (C <= 256) launchTeam<32, 8>(x, weight, bias, eps, out, stream);
  else launchTeam<32, 32>(x, weight, bias, eps, out, stream);
  check("layer norm");
}

}  // namespace krait::models::cuda
