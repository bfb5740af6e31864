#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "krait/models/ops/autograd.h"
#include "krait/models/ops/layers.h"

#ifdef KRAIT_WITH_CUDA
#include "cuda/group_norm_tensors.h"
#endif

namespace krait::models {

namespace {

constexpr double kEps = 1e-5;

struct Moments {
  double mean, variance;
};

// One pass, in double, over the values shifted by the first one: the shift keeps E[d^2] - E[d]^2 free of the
// cancellation that a large offset would cause. Blocks keep each vectorised partial sum short.
Moments moments(const float* p, int64_t n) {
  constexpr int64_t kBlock = 4096;
  const float shift = p[0];
  double sum = 0, squares = 0;
  for (int64_t start = 0; start < n; start += kBlock) {
    const int64_t end = std::min(n, start + kBlock);
    double s = 0, q = 0;
#pragma omp simd reduction(+ : s, q)
    for (int64_t i = start; i < end; ++i) {
      const double d = p[i] - shift;
      s += d;
      q += d * d;
    }
    sum += s;
    squares += q;
  }
  const double m = sum / static_cast<double>(n);
  return {shift + m, std::max(0.0, squares / static_cast<double>(n) - m * m)};
}

// The mean enters as a float pair (hi + lo = the double mean): x - hi is exact for values near the mean, so an
// offset far larger than the spread costs no precision, as x * scale + shift in float would.
template <bool Residual>
void normalizeActivate(const float* in, const float* residual, float* out, int64_t n, float hi, float lo,
                       float scale, float bias, float slope) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    float y = ((in[i] - hi) - lo) * scale + bias;
    if constexpr (Residual) y += residual[i];
    out[i] = std::max(y, 0.0f) + slope * std::min(y, 0.0f);  // leaky ReLU without a branch, so it vectorises
  }
}

// A pass for the statistics and one that writes, per group.
void fusedCpu(const torch::Tensor& x, const torch::Tensor& out, int64_t groups, const torch::Tensor& weight,
              const torch::Tensor& bias, double slope, const float* residual) {
  const int64_t channels = x.size(1), perGroup = channels / groups, spatial = x.numel() / (x.size(0) * channels);
  const int64_t units = x.size(0) * groups, groupSize = perGroup * spatial;
  const float* src = x.data_ptr<float>();
  float* dst = out.data_ptr<float>();
  const float* w = weight.defined() ? weight.data_ptr<float>() : nullptr;
  const float* b = bias.defined() ? bias.data_ptr<float>() : nullptr;
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(groupSize, 1));
  at::parallel_for(0, units, grain, [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end; ++u) {
      const float* p = src + u * groupSize;
      const auto [mean, variance] = moments(p, groupSize);
      const float rstd = static_cast<float>(1.0 / std::sqrt(variance + kEps));
      const float hi = static_cast<float>(mean), lo = static_cast<float>(mean - hi);
      const int64_t firstChannel = (u % groups) * perGroup;
      for (int64_t c = 0; c < perGroup; ++c) {
        const int64_t channel = firstChannel + c;
        const float scale = rstd * (w ? w[channel] : 1.0f);
        const int64_t offset = u * groupSize + c * spatial;
        const float shift = b ? b[channel] : 0.0f;
        if (residual)
          normalizeActivate<true>(src + offset, residual + offset, dst + offset, spatial, hi, lo, scale, shift,
                                  static_cast<float>(slope));
        else
          normalizeActivate<false>(src + offset, nullptr, dst + offset, spatial, hi, lo, scale, shift,
                                   static_cast<float>(slope));
      }
    }
  });
}

// Other devices and types: the statistics of every group in one reduction over the whole tensor (on a GPU,
// group_norm runs one block per (sample, group): 32 blocks for a tile's first stage), then (x - mean) times a
// per-channel scale plus the bias; subtracting the mean first keeps a large offset from costing precision.
void normalizeTensorOps(const torch::Tensor& x, const torch::Tensor& out, int64_t groups, const torch::Tensor& weight,
                        const torch::Tensor& bias, double slope, const torch::Tensor& residual) {
  const int64_t n = x.size(0), channels = x.size(1), perGroup = channels / groups;
  const auto stats = x.scalar_type() == torch::kDouble ? torch::kDouble : torch::kFloat;
  const auto [variance, mean] = torch::var_mean(x.reshape({n, groups, -1}), {2}, /*unbiased=*/false, /*keepdim=*/true);
  std::vector<int64_t> sample(static_cast<size_t>(x.dim()), 1), channel(static_cast<size_t>(x.dim() - 1), 1);
  sample[0] = n;
  sample[1] = channel[0] = channels;
  const auto perChannel = [&](const torch::Tensor& g) {
    return g.to(stats).expand({n, groups, perGroup}).reshape(sample);
  };
  torch::Tensor scale = perChannel((variance.to(stats) + kEps).rsqrt());
  if (weight.defined()) scale = scale * weight.to(stats).reshape(channel);
  torch::Tensor& result = const_cast<torch::Tensor&>(out);
  torch::sub_out(result, x, perChannel(mean).to(x.scalar_type()));
  if (bias.defined())
    torch::addcmul_out(result, bias.to(x.options()).reshape(channel), result, scale.to(x.options()));
  else
    result.mul_(scale.to(x.options()));
  if (residual.defined()) result.add_(residual);
  if (slope != 1.0) torch::leaky_relu_(result, slope);
}

// The residual is added voxel for voxel: a tensor of another shape must not be broadcast.
void checkResidual(const torch::Tensor& x, const torch::Tensor& residual) {
  if (residual.defined() && residual.sizes() != x.sizes())
    throw std::invalid_argument("group norm: the residual's shape differs from the input's");
}

}  // namespace

torch::Tensor normalizedGroups(const torch::Tensor& x, int64_t groups, const torch::Tensor& weight, const torch::Tensor& bias,
                               double slope, const torch::Tensor& residual) {
  if (!recordsGradient({x, weight, bias, residual})) {
    normalizeGroups(x, x, groups, weight, bias, slope, residual);
    return x;
  }
  checkResidual(x, residual);
  torch::Tensor y = torch::group_norm(x, groups, weight, bias, kEps);
  if (residual.defined()) y = y + residual;
  return slope == 1.0 ? y : torch::leaky_relu(y, slope);
}

void normalizeGroups(const torch::Tensor& x, const torch::Tensor& out, int64_t groups, const torch::Tensor& weight,
                     const torch::Tensor& bias, double slope, const torch::Tensor& residual) {
  RECORD_USER_SCOPE("krait::group_norm");
  checkResidual(x, residual);
  if (x.device().is_cpu() && x.scalar_type() == torch::kFloat32 && x.dim() >= 3) {
    const torch::Tensor input = x.contiguous();
    const torch::Tensor r = residual.defined() ? residual.to(torch::kFloat32).contiguous() : torch::Tensor();
    const float* added = r.defined() ? r.data_ptr<float>() : nullptr;
    if (out.is_contiguous()) return fusedCpu(input, out, groups, weight, bias, slope, added);
    const torch::Tensor result = torch::empty_like(input);
    fusedCpu(input, result, groups, weight, bias, slope, added);
    out.copy_(result);
    return;
  }
#ifdef KRAIT_WITH_CUDA
  if (x.is_cuda() && normalizeGroupsCuda(x, out, groups, weight, bias, slope, residual)) return;
#endif
  normalizeTensorOps(x, out, groups, weight, bias, slope, residual);
}

}  // namespace krait::models
