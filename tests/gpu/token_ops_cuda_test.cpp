// The Mamba layers' CUDA token kernels against the CPU: the causal conv1d + SiLU against the CPU kernel (itself
// tested against LibTorch's conv1d), LayerNorm against LibTorch's layer_norm in fp64; both on the strided views
// the layers pass (a projection's channel slice, tokens of a channels-first feature map).
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "krait/models/ops/layers.h"
#include "krait/models/networks/mamba.h"
#include "network_support.h"

using namespace krait::models;
using krait::test::relativeError;

TEST(CausalConv1dSiluCuda, MatchesTheCpuKernelOnAProjectionSlice) {
  torch::manual_seed(5);
  c10::InferenceMode guard;
  for (const int64_t taps : {4, 2}) {
    ConvOptions o;
    o.dims = 1;
    o.in = o.out = o.groups = 24;
    o.kernel = {taps};
    o.padding = {taps - 1};
    Conv conv(o);
    conv->weight().copy_(torch::randn({24, 1, taps}));
    conv->bias().copy_(torch::randn({24}));
    const torch::Tensor xz = 3.0 * torch::randn({2, 37, 48});  // x is the first half of each token's channels
    const torch::Tensor want = causalConv1dSilu(xz.narrow(2, 0, 24), *conv);
    conv->to(torch::kCUDA);
    const torch::Tensor got = causalConv1dSilu(xz.cuda().narrow(2, 0, 24), *conv);
    ASSERT_TRUE(got.is_cuda());
    EXPECT_LE(relativeError(got.cpu(), want), 1e-6) << taps << " taps";
  }
}

// LightM-UNet's Mamba layers under autocast: fp16 and bf16 tokens and weights, fp32 arithmetic, one rounding.
TEST(CausalConv1dSiluCuda, ReducedPrecisionMatchesTheCpuKernelOnTheSameValues) {
  torch::manual_seed(8);
  c10::InferenceMode guard;
  for (const auto type : {torch::kHalf, torch::kBFloat16}) {
    ConvOptions o;
    o.dims = 1;
    o.in = o.out = o.groups = 40;
    o.kernel = {4};
    o.padding = {3};
    Conv conv(o);
    conv->weight().copy_(torch::randn({40, 1, 4}).to(type));
    conv->bias().copy_(torch::randn({40}).to(type));
    const torch::Tensor xz = (3.0 * torch::randn({2, 53, 80})).to(type);
    const torch::Tensor want = causalConv1dSilu(xz.narrow(2, 0, 40).to(torch::kFloat32), *conv);
    conv->to(torch::kCUDA, type);
    const torch::Tensor got = causalConv1dSilu(xz.cuda().narrow(2, 0, 40), *conv);
    ASSERT_EQ(got.scalar_type(), type);
    EXPECT_LE(relativeError(got.cpu().to(torch::kFloat32), want), type == torch::kHalf ? 1e-3 : 8e-3) << c10::toString(type);
  }
}

TEST(LayerNormCuda, MatchesLayerNormInFloat64) {
  torch::manual_seed(6);
  c10::InferenceMode guard;
  for (const int64_t channels : {5, 32, 64, 96, 256, 384, 768, 1024}) {
    LayerNorm norm(channels);
    norm->named_parameters()["weight"].copy_(torch::rand({channels}) + 0.5);
    norm->named_parameters()["bias"].copy_(torch::randn({channels}));
    // Tokens of a channels-first map (channels strided) and contiguous tokens; 333 tokens: a partial last team
    // and a partial last tile.
    const torch::Tensor map = 5.0 + 2.0 * torch::randn({2, channels, 333});
    const torch::Tensor want =
        torch::layer_norm(map.transpose(1, 2).to(torch::kDouble), {channels},
                          norm->named_parameters()["weight"].to(torch::kDouble),
                          norm->named_parameters()["bias"].to(torch::kDouble), 1e-5);
    norm->to(torch::kCUDA);
    const torch::Tensor strided = norm->forward(map.cuda().transpose(1, 2));
    const torch::Tensor contiguous = norm->forward(map.transpose(1, 2).contiguous().cuda());
    ASSERT_TRUE(strided.is_cuda());
    EXPECT_LE(relativeError(strided.cpu().to(torch::kDouble), want), 2e-6) << channels << " channels, strided";
    EXPECT_LE(relativeError(contiguous.cpu().to(torch::kDouble), want), 2e-6) << channels << " channels";
  }
}

// Reduced-precision inputs are read as they are and normalised in fp32, written as fp32 (the Mamba layers) or
// in the input's type; a 2D map's (batch, rows, columns, channels) view merges rows and columns into tokens.
TEST(LayerNormCuda, ReadsHalfInputsAndWritesEitherType) {
  torch::manual_seed(7);
  c10::InferenceMode guard;
  for (const auto type : {torch::kHalf, torch::kBFloat16}) {
    for (const int64_t channels : {48, 192, 768}) {
      LayerNorm norm(channels);
      norm->named_parameters()["weight"].copy_(torch::rand({channels}) + 0.5);
      norm->named_parameters()["bias"].copy_(torch::randn({channels}));
      const torch::Tensor map = (3.0 + torch::randn({2, channels, 19, 23})).to(type);  // (B, C, H, W)
      const torch::Tensor want =
          torch::layer_norm(map.permute({0, 2, 3, 1}).to(torch::kDouble), {channels},
                            norm->named_parameters()["weight"].to(torch::kDouble),
                            norm->named_parameters()["bias"].to(torch::kDouble), 1e-5);
      norm->to(torch::kCUDA);
      for (const bool channelsLast : {false, true}) {
        const torch::Tensor x = channelsLast ? map.cuda().permute({0, 2, 3, 1}).contiguous() : map.cuda().permute({0, 2, 3, 1});
        const torch::Tensor asFloat = norm->normalize(x, torch::kFloat32), asInput = norm->forward(x);
        ASSERT_EQ(asFloat.scalar_type(), torch::kFloat32);
        ASSERT_EQ(asInput.scalar_type(), type);
        ASSERT_EQ(asFloat.sizes(), x.sizes());
        const std::string what = std::string(c10::toString(type)) + ", " + std::to_string(channels) + " channels" +
                                 (channelsLast ? ", channels contiguous" : ", channels strided");
        EXPECT_LE(relativeError(asFloat.cpu(), want), 2e-6) << what;
        EXPECT_LE(relativeError(asInput.cpu(), want), type == torch::kHalf ? 1e-3 : 8e-3) << what;
        // fp32 tokens written in the reduced type (LightM-UNet's norm after its fp32 skip, under autocast).
        const torch::Tensor lowered = norm->normalize(x.to(torch::kFloat32), type);
        ASSERT_EQ(lowered.scalar_type(), type);
        EXPECT_LE(relativeError(lowered.cpu(), want), type == torch::kHalf ? 1e-3 : 8e-3) << what << ", from fp32";
      }
    }
  }
}
