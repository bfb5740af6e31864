// Every network class against the official Python code: the same random weights, saved by the official
// classes in nnU-Net's checkpoint format, the same input, the official output (fp32, CPU).
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cstdio>

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

INSTANTIATE_TEST_SUITE_P(Official, NetworkParity,
                         ::testing::Values("umamba_bot_3d", "umamba_enc_3d", "umamba_bot_2d", "umamba_enc_2d",
                                           "lightmunet_3d", "lightmunet_2d", "swin_umamba", "swin_umamba_d"));

}  // namespace
