// Every network on the GPU against the official Python output: the whole forward, with the CUDA scan fed by
// real activations of each architecture (fp32, TF32 off, as the CPU parity test runs).
#include <gtest/gtest.h>

#include <ATen/Context.h>
#include <torch/torch.h>

#include "network_support.h"
#include "npy.h"

using namespace krait::test;

namespace {

class NetworkOnGpu : public ::testing::TestWithParam<std::string> {};

TEST_P(NetworkOnGpu, MatchesTheOfficialOutput) {
  at::globalContext().setAllowTF32CuDNN(false);
  at::globalContext().setAllowTF32CuBLAS(false);
  const auto dir = networkFixtures() / GetParam();
  const auto net = loadFixtureNetwork(GetParam());
  net->to(torch::kCUDA);
  const torch::Tensor input = readNpy(dir / "input.npy");
  const torch::Tensor want = readNpy(dir / "output.npy");
  c10::InferenceMode guard;
  const torch::Tensor got = net->forward(input.to(torch::kCUDA));
  ASSERT_TRUE(got.is_cuda());
  ASSERT_EQ(got.sizes(), want.sizes());
  EXPECT_LE(relativeError(got.cpu(), want), 1e-4) << "max |krait - official| / max |official| on " << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Official, NetworkOnGpu,
                         ::testing::Values("umamba_bot_3d", "umamba_enc_3d", "umamba_bot_2d", "umamba_enc_2d",
                                           "lightmunet_3d", "lightmunet_2d", "swin_umamba", "swin_umamba_d"));

}  // namespace
