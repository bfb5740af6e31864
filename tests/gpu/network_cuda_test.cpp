// Every network on the GPU against the official Python output: the whole forward, with the CUDA scan fed by
// real activations of each architecture (fp32, TF32 off, as the CPU parity test runs), in the default layout and
// with channels-last convolutions (useChannelsLast).
#include <gtest/gtest.h>

#include <ATen/Context.h>
#include <torch/torch.h>

#include "krait/models/graphed_forward.h"
#include "krait/models/precision.h"
#include "network_support.h"
#include "npy.h"

using namespace krait::test;

namespace {

class NetworkOnGpu : public ::testing::TestWithParam<std::string> {};

void expectOfficialOutput(const std::string& name, bool channelsLast) {
  at::globalContext().setAllowTF32CuDNN(false);
  at::globalContext().setAllowTF32CuBLAS(false);
  const auto dir = networkFixtures() / name;
  const auto net = loadFixtureNetwork(name);
  if (channelsLast) krait::models::useChannelsLast(*net);
  net->to(torch::kCUDA);
  const torch::Tensor input = readNpy(dir / "input.npy");
  const torch::Tensor want = readNpy(dir / "output.npy");
  c10::InferenceMode guard;
  const torch::Tensor got = net->forward(input.to(torch::kCUDA));
  ASSERT_TRUE(got.is_cuda());
  ASSERT_EQ(got.sizes(), want.sizes());
  EXPECT_LE(relativeError(got.cpu(), want), 1e-4) << "max |krait - official| / max |official| on " << name;
}

TEST_P(NetworkOnGpu, MatchesTheOfficialOutput) { expectOfficialOutput(GetParam(), false); }

TEST_P(NetworkOnGpu, MatchesTheOfficialOutputChannelsLast) { expectOfficialOutput(GetParam(), true); }

INSTANTIATE_TEST_SUITE_P(Official, NetworkOnGpu,
                         ::testing::Values("umamba_bot_3d", "umamba_enc_3d", "umamba_bot_2d", "umamba_enc_2d",
                                           "lightmunet_3d", "lightmunet_2d", "swin_umamba", "swin_umamba_d"));

}  // namespace

// The graph replays the forward it captured, on each new input, and captures again for a new shape.
TEST(GraphedForward, ReplaysTheEagerForward) {
  at::globalContext().setAllowTF32CuDNN(false);
  at::globalContext().setAllowTF32CuBLAS(false);
  const auto net = loadFixtureNetwork("umamba_bot_3d");
  net->to(torch::kCUDA);
  const torch::Tensor input = readNpy(networkFixtures() / "umamba_bot_3d" / "input.npy").to(torch::kCUDA);
  c10::InferenceMode guard;
  krait::models::GraphedForward graphed(net);
  const std::vector<torch::Tensor> inputs{input, input.flip({2}), torch::cat({input, -input})};
  std::vector<torch::Tensor> outputs;
  for (const auto& x : inputs) outputs.push_back(graphed(x));
  for (size_t i = 0; i < inputs.size(); ++i) {
    const torch::Tensor eager = net->forward(inputs[i]);
    EXPECT_LE(relativeError(outputs[i].cpu(), eager.cpu()), 1e-5) << "input " << i;
  }
  EXPECT_GT(relativeError(outputs[0].cpu(), outputs[1].cpu()), 1e-3);  // the replay saw the new input
}
