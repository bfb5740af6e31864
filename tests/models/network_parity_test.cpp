// Every network class against the official Python code: the same random weights, saved by the official
// classes in nnU-Net's checkpoint format, the same input, the official output (fp32, CPU).
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cstdio>

#include "krait/models/networks/precision.h"
#include "network_support.h"
#include "npy.h"

using namespace krait::test;

namespace {

class NetworkParity : public ::testing::TestWithParam<std::string> {};

TEST_P(NetworkParity, MatchesTheOfficialOutput) {
  const auto dir = networkFixtures() / GetParam();
  const auto net = loadFixtureNetwork(GetParam());
  const torch::Tensor input = readNpy(dir / "input.npy");
  const torch::Tensor want = readNpy(dir / "output.npy");
  std::vector<int64_t> spatial(input.sizes().begin() + 2, input.sizes().end());
  net->checkTileShape(spatial);
  c10::InferenceMode guard;
  const torch::Tensor got = net->forward(input);
  ASSERT_EQ(got.sizes(), want.sizes());
  const double error = relativeError(got, want);
  char figure[32];
  std::snprintf(figure, sizeof figure, "%.2e", error);
  RecordProperty("relative_error", figure);
  EXPECT_LE(error, 1e-4) << "max |krait - official| / max |official| on " << GetParam();
  // The comparison is not vacuous: the output varies across voxels and classes.
  EXPECT_GT(want.std().item<double>(), 1e-3);
}

// The precision policy's plumbing, exactly: with everything outside the Mamba layers in fp64 instead of a
// reduced type, the output must still match the official one, and the Mamba layers must have stayed fp32.
TEST_P(NetworkParity, PrecisionPolicyKeepsTheMambaLayersInFloat32) {
  const auto dir = networkFixtures() / GetParam();
  const auto net = loadFixtureNetwork(GetParam());
  krait::models::convertNetwork(*net, torch::kFloat64);
  int64_t converted = 0;
  for (const auto& p : net->named_parameters()) {
    if (p.key().find("A_log") != std::string::npos || p.key().find("in_proj") != std::string::npos) {
      EXPECT_EQ(p.value().scalar_type(), torch::kFloat32) << p.key();
    }
    converted += p.value().scalar_type() == torch::kFloat64;
  }
  EXPECT_GT(converted, 0);
  const torch::Tensor input = readNpy(dir / "input.npy");
  const torch::Tensor want = readNpy(dir / "output.npy");
  c10::InferenceMode guard;
  const torch::Tensor got = net->forward(input.to(torch::kFloat64));
  EXPECT_EQ(got.scalar_type(), torch::kFloat64);
  EXPECT_LE(relativeError(got.to(torch::kFloat), want), 1e-4) << GetParam();
}

// In reduced precision the Mamba layers keep fp32 what the official ones have in fp32 under autocast: all of
// U-Mamba's (autocast off); of LightM-UNet's and Swin-UMamba's SS2D (which only cast their input), the norms and
// what mamba_ssm and SS2D read as float, while their projections and convolutions take the reduced type.
TEST_P(NetworkParity, ReducedPrecisionKeepsFloat32WhatAutocastKeeps) {
  const auto net = loadFixtureNetwork(GetParam());
  krait::models::convertNetwork(*net, torch::kHalf);
  const bool uMamba = GetParam().rfind("umamba", 0) == 0;
  const auto has = [](const std::string& key, const char* part) { return key.find(part) != std::string::npos; };
  int64_t mambaProjections = 0;
  for (const auto& p : net->named_parameters()) {
    const std::string& key = p.key();
    const bool readAsFloat = has(key, "A_log") || has(key, ".D") || has(key, "Ds") || has(key, "dt_proj.bias") ||
                             has(key, "dt_projs_bias") || has(key, "norm") ||
                             (has(key, "skip_scale") && !has(key, "up_layers"));  // the up blocks' is no Mamba layer's
    const bool mambaProjection = has(key, "in_proj") || has(key, "x_proj") || has(key, "out_proj") || has(key, "conv1d") ||
                                 has(key, "dt_proj.weight") || has(key, "dt_projs_weight") || has(key, "conv2d");
    if (readAsFloat) {
      EXPECT_EQ(p.value().scalar_type(), torch::kFloat32) << key;
    } else if (mambaProjection) {
      ++mambaProjections;
      EXPECT_EQ(p.value().scalar_type(), uMamba ? torch::kFloat32 : torch::kHalf) << key;
    }
  }
  EXPECT_GT(mambaProjections, 0);
}

// The channels-last layout (the GPU's, for reduced precision) gives the same output on the CPU too, through
// the layout-preserving paths (the norms, U-Mamba's upsampling into the concatenation).
TEST_P(NetworkParity, ChannelsLastWeightsGiveTheSameOutput) {
  const auto dir = networkFixtures() / GetParam();
  const auto net = loadFixtureNetwork(GetParam());
  krait::models::useChannelsLast(*net);
  const torch::Tensor input = readNpy(dir / "input.npy");
  const torch::Tensor want = readNpy(dir / "output.npy");
  c10::InferenceMode guard;
  EXPECT_LE(relativeError(net->forward(input), want), 1e-4) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Official, NetworkParity,
                         ::testing::Values("umamba_bot_3d", "umamba_enc_3d", "umamba_bot_2d", "umamba_enc_2d",
                                           "lightmunet_3d", "lightmunet_2d", "swin_umamba", "swin_umamba_d"));

}  // namespace
