#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <torch/torch.h>

#include <cmath>

#include "krait/models/ops/autograd.h"
#include "krait/models/ops/layers.h"
#include "target_clones.h"

namespace krait::models {

namespace {

// max_pool's update: a NaN wins, and of equal values the first seen stays (its strict `>` keeps -0.0 before 0.0).
inline float larger(float best, float v) { return (v > best || std::isnan(v)) ? v : best; }

// One output row of a channels-last tensor from the rows of its windows, rows[0..n) first by depth, then by height:
// each output position reduces its window's channel vectors channel by channel, in LibTorch's window order (depth,
// height, width), so that of equal values the same one wins (which only shows as the sign of a zero).
KRAIT_TARGET_CLONES
void poolChannelsRow(const float* const* rows, int n, float* out, int64_t outWidth, int64_t channels) {
  const float* r0 = rows[0];
  const float* r1 = rows[1];
  const float* r2 = n == 4 ? rows[2] : rows[0];
  const float* r3 = n == 4 ? rows[3] : rows[1];
  for (int64_t x = 0; x < outWidth; ++x) {
    const int64_t a = 2 * x * channels, b = a + channels;
    float* o = out + x * channels;
    if (n == 2) {
#pragma omp simd
      for (int64_t c = 0; c < channels; ++c) o[c] = larger(larger(larger(r0[a + c], r0[b + c]), r1[a + c]), r1[b + c]);
    } else {
#pragma omp simd
      for (int64_t c = 0; c < channels; ++c) {
        const float m = larger(larger(larger(r0[a + c], r0[b + c]), r1[a + c]), r1[b + c]);
        o[c] = larger(larger(larger(larger(m, r2[a + c]), r2[b + c]), r3[a + c]), r3[b + c]);
      }
    }
  }
}

}  // namespace

torch::Tensor maxPoolHalving(const torch::Tensor& x) {
  const int64_t spatial = x.dim() - 2;
  const auto lastFormat = spatial == 3 ? at::MemoryFormat::ChannelsLast3d : at::MemoryFormat::ChannelsLast;
  // The Mamba layers give their output channels-last (a view of their tokens); LibTorch keeps that layout.
  bool own = x.device().is_cpu() && x.scalar_type() == torch::kFloat && (spatial == 2 || spatial == 3) &&
             !x.is_contiguous() && x.is_contiguous(lastFormat) && !recordsGradient({x});
  for (int64_t a = 2; own && a < x.dim(); ++a) own = x.size(a) >= 2;  // else LibTorch's error for an empty output
  if (!own) return spatial == 3 ? torch::max_pool3d(x, {2, 2, 2}, {2, 2, 2}) : torch::max_pool2d(x, {2, 2}, {2, 2});
  RECORD_FUNCTION("krait::max_pool_halving", std::vector<c10::IValue>({x}));
  const int64_t samples = x.size(0), channels = x.size(1);
  const int64_t depth = spatial == 3 ? x.size(2) : 1, height = x.size(-2), width = x.size(-1);
  const int64_t outDepth = spatial == 3 ? depth / 2 : 1, outHeight = height / 2, outWidth = width / 2;
  std::vector<int64_t> shape{samples, channels};
  if (spatial == 3) shape.push_back(outDepth);
  shape.push_back(outHeight);
  shape.push_back(outWidth);
  torch::Tensor out = torch::empty(shape, x.options().memory_format(lastFormat));
  if (out.numel() == 0) return out;  // no samples or channels
  const float* in = x.data_ptr<float>();
  float* o = out.data_ptr<float>();
  const int dz = spatial == 3 ? 2 : 1;
  // Memory (sample, depth, height, width, channel), an output row at a time.
  at::parallel_for(0, samples * outDepth * outHeight, 1, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t y = row % outHeight, z = row / outHeight % outDepth, sample = row / outHeight / outDepth;
      const float* rows[4];
      int n = 0;
      for (int d = 0; d < dz; ++d)
        for (int h = 0; h < 2; ++h) rows[n++] = in + ((sample * depth + dz * z + d) * height + 2 * y + h) * width * channels;
      poolChannelsRow(rows, n, o + row * outWidth * channels, outWidth, channels);
    }
  });
  return out;
}

}  // namespace krait::models
