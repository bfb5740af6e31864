#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <algorithm>
#include <bit>
#include <cstdint>

#include "krait/models/networks/mamba.h"
#include "krait/models/ops/autograd.h"
#ifdef KRAIT_WITH_CUDA
#include "cuda/token_ops_tensors.h"
#endif
#include "target_clones.h"

namespace krait::models {

namespace {

// e^x for |x| <= 88 (Cephes' expf: range reduction by ln 2, degree-6 polynomial, ~1 ulp), written with plain
// arithmetic and bit casts so that `omp simd` loops vectorise it; libm's expf does not.
inline float fastExp(float x) {
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  const float y = x * 1.44269504088896341f + 0.5f;
  int32_t i = static_cast<int32_t>(y);
  i -= static_cast<float>(i) > y;  // floor; std::floor needs SSE4.1 to vectorise
  const float n = static_cast<float>(i);
  const float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  return p * std::bit_cast<float>((i + 127) << 23);
}

struct ConvArgs {
  const float* in;  // (batch, length, channels), channels adjacent
  const float* weights;  // (taps, channels)
  const float* bias;  // (channels) or null
  float* out;  // (batch, length, channels), contiguous
  int64_t length, channels, taps, batchStride, tokenStride;
};

KRAIT_TARGET_CLONES
void convolveTokens(const ConvArgs& a, int64_t begin, int64_t end) {
  const int64_t channels = a.channels, taps = a.taps;
  for (int64_t token = begin; token < end; ++token) {
    const int64_t n = token / a.length, t = token % a.length;
    float* o = a.out + token * channels;
#pragma omp simd
    for (int64_t c = 0; c < channels; ++c) o[c] = a.bias ? a.bias[c] : 0.0f;
    // Output t sees inputs t - K + 1 ... t; those before the sequence are the zero padding.
    for (int64_t k = std::max<int64_t>(0, taps - 1 - t); k < taps; ++k) {
      const float* xi = a.in + n * a.batchStride + (t - taps + 1 + k) * a.tokenStride;
      const float* wk = a.weights + k * channels;
#pragma omp simd
      for (int64_t c = 0; c < channels; ++c) o[c] += wk[c] * xi[c];
    }
#pragma omp simd
    for (int64_t c = 0; c < channels; ++c) o[c] = o[c] / (1.0f + fastExp(-o[c]));
  }
}

void causalConvCpu(const at::Tensor& x, const at::Tensor& tapsFirst, const at::Tensor& bias, const at::Tensor& out) {
  const ConvArgs args{x.data_ptr<float>(), tapsFirst.data_ptr<float>(), bias.defined() ? bias.data_ptr<float>() : nullptr,
                      out.data_ptr<float>(), x.size(1), x.size(2), tapsFirst.size(0), x.stride(0), x.stride(1)};
  const int64_t grain = std::max<int64_t>(1, 8192 / args.channels);
  at::parallel_for(0, x.size(0) * args.length, grain,
                   [&](int64_t begin, int64_t end) { convolveTokens(args, begin, end); });
}

}  // namespace

torch::Tensor causalConv1dSilu(const torch::Tensor& x, ConvImpl& conv) {
  RECORD_USER_SCOPE("krait::causal_conv1d_silu");
  const int64_t length = x.size(1), channels = x.size(2), taps = conv.weight().size(2);
  // The kernels, unless autograd records (then LibTorch's convolution, which it can differentiate).
  if (!recordsGradient({x, conv.weight(), conv.bias()})) {
    if (x.device().is_cpu() && x.scalar_type() == at::kFloat && x.stride(2) == 1) {
      torch::Tensor out = at::empty({x.size(0), length, channels}, x.options());
      causalConvCpu(x, conv.weight().reshape({channels, taps}).t().contiguous(), conv.bias(), out);
      return out;
    }
#ifdef KRAIT_WITH_CUDA
    if (torch::Tensor out = causalConv1dSiluCuda(x, conv.weight(), conv.bias()); out.defined()) return out;
#endif
  }
  return at::silu(conv.forward(x.transpose(1, 2)).narrow(2, 0, length)).transpose(1, 2);
}

}  // namespace krait::models
