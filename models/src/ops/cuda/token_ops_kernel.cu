// The token kernels. Through LibTorch, the causal convolution needs its input transposed to channels-first and
// back and runs PyTorch's generic depthwise kernel, and LayerNorm gives each token (rows of 32 to 768
// channels) a block of its own, after a copy to contiguous tokens and, in reduced precision, casts to fp32 and
// back; here the convolution reads the projection's channels-last output in place, and LayerNorm reads the
// tokens where they are, in their type.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "element_type.cuh"
#include "token_ops_cuda.h"

namespace krait::models::cuda {

namespace {

constexpr int kThreads = 256;

// In fp32 arithmetic whatever T (what cuDNN's fp16 convolution accumulates in); the SiLU is taken before the one
// rounding to T, where autocast rounds the convolution's output first.
template <typename T>
__global__ void __launch_bounds__(kThreads) causalConv1dSilu(TokenView x, const float* __restrict__ weight,
                                                             const float* __restrict__ bias, int taps,
                                                             T* __restrict__ out) {
  const int64_t total = x.batch * x.tokens * x.channels;
  for (int64_t i = int64_t{blockIdx.x} * kThreads + threadIdx.x; i < total; i += int64_t{gridDim.x} * kThreads) {
    const int64_t c = i % x.channels, token = i / x.channels, l = token % x.tokens, b = token / x.tokens;
    const T* base = static_cast<const T*>(x.data) + b * x.stride[0] + c * x.stride[2];
    float acc = bias ? bias[c] : 0.0f;
    for (int k = 0; k < taps; ++k) {
      const int64_t source = l - (taps - 1) + k;
      if (source >= 0) acc += weight[c * taps + k] * toFloat(base[source * x.stride[1]]);
    }
    out[i] = fromFloat<T>(acc / (1.0f + expf(-acc)));
  }
}

// Team of T threads per token, each holding up to K of its channels (c = rank + T * j) in registers: for
// tokens whose channels are contiguous (neighbouring threads read neighbouring channels).
template <typename In, typename Out, int T, int K>
__global__ void __launch_bounds__(kThreads) layerNormTeams(TokenView x, const float* __restrict__ weight,
                                                           const float* __restrict__ bias, float eps, Out* __restrict__ out) {
  const int64_t rows = x.batch * x.tokens, C = x.channels;
  const int64_t row = (int64_t{blockIdx.x} * kThreads + threadIdx.x) / T;
  const int rank = threadIdx.x % T;
  const bool active = row < rows;  // inactive threads still take part in the team's shuffles
  const In* in = static_cast<const In*>(x.data) + (active ? row / x.tokens * x.stride[0] + row % x.tokens * x.stride[1] : 0);
  float v[K];
  float sum = 0;
#pragma unroll
  for (int j = 0; j < K; ++j) {
    const int64_t c = rank + int64_t{T} * j;
    v[j] = active && c < C ? toFloat(in[c * x.stride[2]]) : 0.0f;
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
    if (c < C) out[row * C + c] = fromFloat<Out>((v[j] - mean) * rstd * (weight ? weight[c] : 1.0f) + (bias ? bias[c] : 0.0f));
  }
}

// Tokens whose channels are strided (a channels-first feature map's voxels): a block stages kTile neighbouring
// tokens' channels in shared memory, reading along the tokens, then each warp normalises tokens with its lanes
// on the channels and writes them contiguously. One read and one write of each value, where the team kernel
// would touch a 32-byte sector per channel read.
constexpr int kTile = 32;
constexpr int64_t kMaxTiledChannels = 256;

template <typename In, typename Out>
__global__ void __launch_bounds__(kThreads) layerNormTiles(TokenView x, const float* __restrict__ weight,
                                                           const float* __restrict__ bias, float eps, Out* __restrict__ out) {
  __shared__ float tile[kMaxTiledChannels][kTile + 1];  // +1: lanes on neighbouring channels hit distinct banks
  const int64_t C = x.channels, tilesPerBatch = (x.tokens + kTile - 1) / kTile;
  const int64_t b = blockIdx.x / tilesPerBatch, t0 = blockIdx.x % tilesPerBatch * kTile;
  const int count = static_cast<int>(x.tokens - t0 < kTile ? x.tokens - t0 : kTile);
  const In* in = static_cast<const In*>(x.data) + b * x.stride[0] + t0 * x.stride[1];
  for (int i = threadIdx.x; i < C * kTile; i += kThreads) {
    const int t = i % kTile, c = i / kTile;
    if (t < count) tile[c][t] = toFloat(in[t * x.stride[1] + c * x.stride[2]]);
  }
  __syncthreads();
  const int lane = threadIdx.x % 32;
  constexpr int K = kMaxTiledChannels / 32;
  for (int t = threadIdx.x / 32; t < count; t += kThreads / 32) {
    float v[K];
    float sum = 0;
#pragma unroll
    for (int j = 0; j < K; ++j) {
      const int c = lane + 32 * j;
      v[j] = c < C ? tile[c][t] : 0.0f;
      sum += v[j];
    }
#pragma unroll
    for (int o = 16; o > 0; o /= 2) sum += __shfl_xor_sync(0xffffffffu, sum, o);
    const float mean = sum / static_cast<float>(C);
    float squares = 0;
#pragma unroll
    for (int j = 0; j < K; ++j) {
      const float d = lane + 32 * j < C ? v[j] - mean : 0.0f;
      squares += d * d;
    }
#pragma unroll
    for (int o = 16; o > 0; o /= 2) squares += __shfl_xor_sync(0xffffffffu, squares, o);
    const float rstd = rsqrtf(squares / static_cast<float>(C) + eps);
    Out* row = out + (b * x.tokens + t0 + t) * C;
#pragma unroll
    for (int j = 0; j < K; ++j) {
      const int c = lane + 32 * j;
      if (c < C) row[c] = fromFloat<Out>((v[j] - mean) * rstd * (weight ? weight[c] : 1.0f) + (bias ? bias[c] : 0.0f));
    }
  }
}

template <typename In, typename Out, int T, int K>
void launchTeams(const TokenView& x, const float* weight, const float* bias, float eps, Out* out, cudaStream_t stream) {
  const int64_t rows = x.batch * x.tokens, blocks = (rows * T + kThreads - 1) / kThreads;
  layerNormTeams<In, Out, T, K><<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(x, weight, bias, eps, out);
}

template <typename In, typename Out>
void launchLayerNormAs(const TokenView& x, const float* weight, const float* bias, float eps, Out* out, cudaStream_t stream) {
  const int64_t C = x.channels;
  if (x.stride[2] != 1 && C <= kMaxTiledChannels) {
    const int64_t blocks = x.batch * ((x.tokens + kTile - 1) / kTile);
    layerNormTiles<In, Out><<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(x, weight, bias, eps, out);
    return;
  }
  // Eight channels a thread in teams of 4 to 32 threads; 32 channels a thread above 256 channels.
  if (C <= 32) launchTeams<In, Out, 4, 8>(x, weight, bias, eps, out, stream);
  else if (C <= 64) launchTeams<In, Out, 8, 8>(x, weight, bias, eps, out, stream);
  else if (C <= 128) launchTeams<In, Out, 16, 8>(x, weight, bias, eps, out, stream);
  else if (C <= 256) launchTeams<In, Out, 32, 8>(x, weight, bias, eps, out, stream);
  else launchTeams<In, Out, 32, 32>(x, weight, bias, eps, out, stream);
}

void check(const char* what) {
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) throw std::runtime_error(std::string(what) + ": CUDA launch failed: " + cudaGetErrorString(err));
}

}  // namespace

void launchCausalConv1dSilu(const TokenView& x, const float* weight, const float* bias, int taps, void* out,
                            cudaStream_t stream) {
  const int64_t total = x.batch * x.tokens * x.channels;
  if (total == 0) return;
  const int64_t blocks = std::min<int64_t>((total + kThreads - 1) / kThreads, int64_t{1} << 20);
  withElementType(x.type, [&](auto t) {
    using T = decltype(t);
    causalConv1dSilu<T><<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(x, weight, bias, taps, static_cast<T*>(out));
  });
  check("causal conv1d");
}

void launchLayerNorm(const TokenView& x, const float* weight, const float* bias, double eps, void* out,
                     ElementType outType, cudaStream_t stream) {
  if (x.channels < 1 || x.channels > kMaxLayerNormChannels)
    throw std::invalid_argument("layer norm: the CUDA kernel takes 1 to " + std::to_string(kMaxLayerNormChannels) +
                                " channels, not " + std::to_string(x.channels));
  if (x.batch * x.tokens == 0) return;
  withElementType(x.type, [&](auto in) {
    withElementType(outType, [&](auto result) {
      using Out = decltype(result);
      launchLayerNormAs<decltype(in), Out>(x, weight, bias, static_cast<float>(eps), static_cast<Out*>(out), stream);
    });
  });
  check("layer norm");
}

}  // namespace krait::models::cuda
