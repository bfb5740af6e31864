// The fused CPU kernels against the LibTorch ops they replace.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <limits>

#include "krait/models/ops/layers.h"
#include "krait/models/networks/mamba.h"
#include "network_support.h"

using namespace krait::models;
using krait::test::relativeError;

namespace {

torch::Tensor reference(const torch::Tensor& x, int64_t groups, const torch::Tensor& w, const torch::Tensor& b,
                        double slope, const torch::Tensor& residual = {}) {
  torch::Tensor y = torch::group_norm(x.to(torch::kFloat64), groups, w.defined() ? w.to(torch::kFloat64) : w,
                                      b.defined() ? b.to(torch::kFloat64) : b, 1e-5);
  if (residual.defined()) y += residual.to(torch::kFloat64);
  return torch::leaky_relu(y, slope);
}

TEST(NormalizeGroups, MatchesGroupNormThenLeakyRelu) {
  torch::manual_seed(3);
  c10::InferenceMode guard;
  // A large offset with a small spread: statistics computed naively in float would lose the spread.
  const torch::Tensor x = 1000.0 + 0.05 * torch::randn({2, 16, 5, 33, 34});
  const torch::Tensor w = torch::randn({16}), b = torch::randn({16});
  for (const int64_t groups : {16, 8, 1}) {
    for (const double slope : {0.0, 0.01, 1.0}) {
      torch::Tensor out = torch::empty_like(x);
      normalizeGroups(x, out, groups, w, b, slope);
      EXPECT_LT(relativeError(out, reference(x, groups, w, b, slope)), 1e-5) << groups << " groups, slope " << slope;
    }
  }
  torch::Tensor inPlace = x.clone();
  normalizeGroups(inPlace, inPlace, 16, {}, {}, 0.01);  // instance norm without affine, in place
  EXPECT_LT(relativeError(inPlace, reference(x, 16, {}, {}, 0.01)), 1e-5);
  // Strided input and output.
  const torch::Tensor strided = x.transpose(3, 4);
  torch::Tensor out = torch::empty(strided.sizes()).transpose(1, 2).contiguous().transpose(1, 2);
  normalizeGroups(strided, out, 8, w, b, 0.0);
  EXPECT_LT(relativeError(out, reference(strided, 8, w, b, 0.0)), 1e-5);
  // A residual added before the activation (U-Mamba's and MONAI's residual blocks), fused and through LibTorch.
  const torch::Tensor residual = torch::randn(x.sizes());
  torch::Tensor withResidual = x.clone();
  normalizeGroups(withResidual, withResidual, 16, w, b, 0.01, residual);
  EXPECT_LT(relativeError(withResidual, reference(x, 16, w, b, 0.01, residual)), 1e-5);
  torch::Tensor withResidual64 = x.to(torch::kFloat64);
  normalizeGroups(withResidual64, withResidual64, 16, w, b, 0.01, residual);
  EXPECT_LT(relativeError(withResidual64, reference(x, 16, w, b, 0.01, residual)), 1e-9);
  EXPECT_THROW(normalizeGroups(x, out, 16, w, b, 0.01, residual.narrow(4, 0, 3)), std::invalid_argument);
  // Other types go through LibTorch.
  const torch::Tensor x64 = x.to(torch::kFloat64);
  torch::Tensor out64 = torch::empty_like(x64);
  normalizeGroups(x64, out64, 8, w.to(torch::kFloat64), b.to(torch::kFloat64), 0.01);
  EXPECT_LT(relativeError(out64, reference(x, 8, w, b, 0.01)), 1e-9);
  torch::Tensor inPlace64 = x64.clone();  // in place, without affine
  normalizeGroups(inPlace64, inPlace64, 16, {}, {}, 0.0);
  EXPECT_LT(relativeError(inPlace64, reference(x, 16, {}, {}, 0.0)), 1e-9);
}

TEST(CausalConv1dSilu, MatchesPaddedConv1dThenSilu) {
  torch::manual_seed(4);
  c10::InferenceMode guard;
  ConvOptions o;
  o.dims = 1;
  o.in = o.out = o.groups = 24;
  o.kernel = {4};
  o.padding = {3};
  Conv conv(o);
  conv->weight().copy_(torch::randn({24, 1, 4}));
  conv->bias().copy_(torch::randn({24}));
  // Channels-last tokens taken from a wider projection, as Mamba's in_proj output is; values up to +-100
  // reach the range where e^-x must be clamped.
  const torch::Tensor xz = 30.0 * torch::randn({2, 37, 48});
  const torch::Tensor x = xz.narrow(2, 0, 24);
  const torch::Tensor got = causalConv1dSilu(x, *conv);
  const torch::Tensor conv1d = torch::conv1d(x.transpose(1, 2).to(torch::kFloat64), conv->weight().to(torch::kFloat64),
                                             conv->bias().to(torch::kFloat64), 1, 3, 1, 24);
  const torch::Tensor want = torch::silu(conv1d.narrow(2, 0, 37)).transpose(1, 2);
  ASSERT_EQ(got.sizes(), want.sizes());
  EXPECT_LT(relativeError(got, want), 1e-6);
  EXPECT_TRUE(torch::isfinite(got).all().item<bool>());
  // A tensor whose channels are not adjacent goes through LibTorch and agrees.
  const torch::Tensor transposed = x.transpose(1, 2).contiguous().transpose(1, 2);
  EXPECT_LT(relativeError(causalConv1dSilu(transposed, *conv), want), 1e-6);
}

}  // namespace

// Odd sizes (the last row, column or plane dropped, as floor mode does), NaN, infinities and signed zeros in the
// windows, 2D and 3D: LibTorch's values bit for bit, the sign of zero included.
TEST(MaxPoolHalving, GivesMaxPoolsValuesBitForBit) {
  torch::manual_seed(5);
  c10::InferenceMode guard;
  for (const std::vector<int64_t>& shape : std::vector<std::vector<int64_t>>{
           {2, 3, 7, 10, 9}, {1, 4, 6, 8, 34}, {2, 5, 9, 12}, {1, 3, 17, 33}}) {
    torch::Tensor x = torch::randn(shape).round();  // many equal values, zeros among them
    x.view(-1).index_put_({torch::randint(x.numel(), {7})}, std::numeric_limits<float>::quiet_NaN());
    x.view(-1).index_put_({torch::randint(x.numel(), {5})}, -std::numeric_limits<float>::infinity());
    x.view(-1).index_put_({torch::randint(x.numel(), {9})}, -0.0f);
    const bool volume = shape.size() == 5;
    const torch::Tensor want = volume ? torch::max_pool3d(x, {2, 2, 2}, {2, 2, 2}) : torch::max_pool2d(x, {2, 2}, {2, 2});
    // Bitwise: NaN equals NaN, and -0.0 differs from 0.0. Channels-last (the Mamba layers' output) stays so.
    const auto last = volume ? at::MemoryFormat::ChannelsLast3d : at::MemoryFormat::ChannelsLast;
    for (const torch::Tensor& input : {x, x.contiguous(last)}) {
      const torch::Tensor got = maxPoolHalving(input);
      ASSERT_EQ(got.sizes(), want.sizes());
      EXPECT_EQ(got.is_contiguous(), input.is_contiguous());
      EXPECT_TRUE(torch::equal(got.contiguous().view(torch::kInt32), want.view(torch::kInt32))) << torch::IntArrayRef(shape);
    }
    EXPECT_GT(want.isnan().sum().item<int64_t>(), 0);
  }
  // Other layouts and types go through LibTorch and give its values too.
  const torch::Tensor strided = torch::randn({1, 4, 6, 6, 12}).slice(4, 0, 12, 2);
  EXPECT_TRUE(torch::equal(maxPoolHalving(strided), torch::max_pool3d(strided, {2, 2, 2}, {2, 2, 2})));
  const torch::Tensor doubles = torch::randn({1, 2, 6, 6}, torch::kDouble);
  EXPECT_TRUE(torch::equal(maxPoolHalving(doubles), torch::max_pool2d(doubles, {2, 2}, {2, 2})));
  // A side of one voxel leaves no output: LibTorch's error, not an empty tensor.
  EXPECT_THROW(maxPoolHalving(torch::randn({1, 2, 1, 5, 5})), c10::Error);
}

// The tokens of a Mamba layer (rows of features, and the scan's feature-major output transposed), the narrowed
// step-size columns of x_proj's output, with and without a bias, above and below the row count where the product
// runs as a 1 x 1 convolution: torch::linear's values to fp32 rounding, its shape and layout, and gradients where
// autograd records.
TEST(LinearTokens, GivesTorchLinearsValues) {
  torch::manual_seed(6);
  const int64_t rows = 3 * kConvolvedLinearRows + 17;
  const torch::Tensor weight = torch::randn({40, 24}), bias = torch::randn({40});
  const torch::Tensor tokens = torch::randn({2, rows, 24});
  const torch::Tensor featureMajor = torch::randn({1, 24, rows}).transpose(1, 2);
  const torch::Tensor narrowed = torch::randn({1, rows, 30}).narrow(2, 3, 24);
  const torch::Tensor few = torch::randn({1, kConvolvedLinearRows - 1, 24});
  {
    c10::InferenceMode guard;
    for (const torch::Tensor& x : {tokens, featureMajor, narrowed, few})
      for (const torch::Tensor& b : {bias, torch::Tensor()}) {
        const torch::Tensor want = torch::linear(x, weight, b), got = linearTokens(x, weight, b);
        ASSERT_EQ(got.sizes(), want.sizes());
        EXPECT_TRUE(got.is_contiguous()) << x.strides();  // rows of features, as torch::linear gives
        EXPECT_LT(relativeError(got, want), 1e-6) << x.sizes() << x.strides();
      }
  }
  const torch::Tensor trained = weight.clone().requires_grad_();
  linearTokens(tokens, trained, bias).square().sum().backward();
  ASSERT_TRUE(trained.grad().defined());
  EXPECT_GT(trained.grad().abs().sum().item<double>(), 0.0);
}
