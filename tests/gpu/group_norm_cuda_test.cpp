// The fused CUDA group normalisation against LibTorch's group_norm in fp64 on the same values (rounded to the
// tested dtype), with the affine, the residual and the activation applied after it: every dtype, instance and
// group norm, vectorised and scalar layouts, channels-first and channels-last, in place and into a strided output,
// and a large offset.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "krait/models/ops/layers.h"

using namespace krait::models;

namespace {

struct Case {
  std::vector<int64_t> shape;
  int64_t groups;
  bool affine, residual;
  double slope, offset = 0;
};

// Expected values in fp64 on the CPU, from the inputs as the GPU sees them.
torch::Tensor expected(const torch::Tensor& x, int64_t groups, const torch::Tensor& w, const torch::Tensor& b,
                       const torch::Tensor& residual, double slope) {
  const auto d = [](const torch::Tensor& t) { return t.defined() ? t.cpu().to(torch::kDouble) : t; };
  torch::Tensor y = torch::group_norm(d(x), groups, d(w), d(b), 1e-5);
  if (residual.defined()) y += d(residual);
  return torch::where(y >= 0, y, y * slope);
}

void check(const Case& c, torch::ScalarType type, double tol, bool inPlace, bool channelsLast = false) {
  SCOPED_TRACE(::testing::Message() << c10::toString(type) << " groups " << c.groups << " shape "
                                    << c10::IntArrayRef(c.shape) << (inPlace ? " in place" : " strided out")
                                    << (channelsLast ? " channels-last" : ""));
  const auto format = c.shape.size() == 5 ? torch::MemoryFormat::ChannelsLast3d : torch::MemoryFormat::ChannelsLast;
  torch::manual_seed(7);
  const int64_t channels = c.shape[1];
  const auto gpu = torch::TensorOptions(torch::kCUDA).dtype(type);
  torch::Tensor x = (torch::randn(c.shape) * 3 + c.offset).to(gpu);
  if (channelsLast) x = x.contiguous(format);
  const torch::Tensor w = c.affine ? torch::rand({channels}).add(0.5).cuda() : torch::Tensor();
  const torch::Tensor b = c.affine ? torch::randn({channels}).cuda() : torch::Tensor();
  torch::Tensor r = c.residual ? torch::randn(c.shape).to(gpu) : torch::Tensor();
  if (channelsLast && r.defined()) r = r.contiguous(format);
  const torch::Tensor want = expected(x, c.groups, w, b, r, c.slope);
  torch::Tensor out;
  if (inPlace) {
    out = x.clone();
    normalizeGroups(out, out, c.groups, w, b, c.slope, r);
  } else {
    // A transposed view: the kernel writes a temporary and copies it.
    out = torch::empty(c.shape, gpu).transpose(0, 1).contiguous().transpose(0, 1);
    normalizeGroups(x, out, c.groups, w, b, c.slope, r);
  }
  ASSERT_EQ(out.scalar_type(), type);
  if (channelsLast && inPlace) EXPECT_TRUE(out.is_contiguous(format));
  const torch::Tensor got = out.cpu().to(torch::kDouble);
  const double err = (got - want).abs().max().item<double>();
  EXPECT_LE(err, tol * std::max(1.0, want.abs().max().item<double>()));
}

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {{1, 32, 48, 96, 96}, 32, true, false, 0.01},      // instance norm, a first-stage tile's shape
      {{2, 16, 20, 24, 24}, 16, true, true, 0.01},       // batch 2, residual
      {{1, 64, 40, 40}, 8, true, false, 0.0},            // group norm (LightM-UNet's 8 groups), ReLU
      {{1, 12, 5, 7, 3}, 12, false, true, 0.01},         // odd spatial size: scalar loads; no affine
      {{1, 320, 6, 6, 6}, 320, true, true, 1.0},         // the bottleneck: tiny planes, no activation
      {{1, 8, 64, 64}, 1, true, false, 0.01, 1000.0},    // one group, an offset far larger than the spread
  };
  return all;
}

}  // namespace

TEST(GroupNormCuda, Float32MatchesFloat64) {
  for (const Case& c : cases()) {
    check(c, torch::kFloat32, 2e-5, true);
    check(c, torch::kFloat32, 2e-5, false);
  }
}

TEST(GroupNormCuda, ReducedPrecisionRoundsOnlyTheOutput) {
  // One rounding of the fp32 result to the output type: relative error 2^-11 (fp16) and 2^-8 (bf16).
  for (const Case& c : cases()) {
    check(c, torch::kFloat16, 1.2e-3, true);
    check(c, torch::kBFloat16, 8e-3, false);
  }
}

TEST(GroupNormCuda, ChannelsLastStaysChannelsLast) {
  for (const Case& c : cases()) {
    if (c.shape.size() < 4) continue;
    check(c, torch::kFloat32, 2e-5, true, true);
    check(c, torch::kFloat16, 1.2e-3, true, true);
    check(c, torch::kBFloat16, 8e-3, false, true);
  }
  // More channels than the channels-last kernels take: through a channels-first copy.
  check({{1, 768, 16, 16}, 768, true, true, 0.01}, torch::kFloat16, 1.2e-3, true, true);
}

TEST(GroupNormCuda, ChecksTheResidualShape) {
  const torch::Tensor x = torch::randn({1, 4, 8, 8}, torch::kCUDA);
  EXPECT_THROW(normalizeGroups(x, x, 4, {}, {}, 1.0, torch::randn({1, 4, 8, 7}, torch::kCUDA)), std::invalid_argument);
}
