// Every network on the GPU against the official Python output: the whole forward, with the CUDA scan fed by
// real activations of each architecture (fp32, TF32 off, as the CPU parity test runs), in the default layout and
// with channels-last convolutions (useChannelsLast); and as `--precision fp16|bf16` runs it, within that
// precision's error.
#include <gtest/gtest.h>

#include <cstdio>
#include <utility>

#include <ATen/Context.h>
#include <torch/torch.h>

#include "krait/models/networks/graphed_forward.h"
#include "krait/models/networks/precision.h"
#include "network_support.h"
#include "npy.h"

using namespace krait::test;

namespace {

class NetworkOnGpu : public ::testing::TestWithParam<std::string> {};

torch::Tensor forwardOnGpu(const std::string& name, bool channelsLast, krait::models::Precision precision) {
  at::globalContext().setAllowTF32CuDNN(false);
  at::globalContext().setAllowTF32CuBLAS(false);
  const auto net = loadFixtureNetwork(name);
  krait::models::convertNetwork(*net, precision);
  if (channelsLast) krait::models::useChannelsLast(*net);
  net->to(torch::kCUDA);
  const torch::Tensor input = readNpy(networkFixtures() / name / "input.npy");
  c10::InferenceMode guard;
  const torch::Tensor got = net->forward(input.to(torch::kCUDA, krait::models::scalarType(precision)));
  EXPECT_TRUE(got.is_cuda());
  EXPECT_EQ(got.scalar_type(), krait::models::scalarType(precision));
  return got.cpu().to(torch::kFloat64);
}

torch::Tensor officialOutput(const std::string& name) { return readNpy(networkFixtures() / name / "output.npy"); }

void expectOfficialOutput(const std::string& name, bool channelsLast) {
  const torch::Tensor got = forwardOnGpu(name, channelsLast, krait::models::Precision::Float32), want = officialOutput(name);
  ASSERT_EQ(got.sizes(), want.sizes());
  EXPECT_LE(relativeError(got, want), 1e-4) << "max |krait - official| / max |official| on " << name;
}

TEST_P(NetworkOnGpu, MatchesTheOfficialOutput) { expectOfficialOutput(GetParam(), false); }

TEST_P(NetworkOnGpu, MatchesTheOfficialOutputChannelsLast) { expectOfficialOutput(GetParam(), true); }

// As `--precision fp16|bf16` runs: half-precision rounding through the fixtures' random-weight layers (whose
// norms amplify it: worst voxels differ by up to half the output's range) leaves the logits' pattern; the
// cosine similarity with the official fp32 output says so, where the worst voxel does not. bf16 rounds 8x
// coarser than fp16, so 1 - cosine (quadratic in the error) is up to 64x fp16's: U-Mamba_Enc measures 0.9982
// in fp16 and 0.910 in bf16 on an H200.
TEST_P(NetworkOnGpu, FollowsTheOfficialOutputInHalfPrecision) {
  const torch::Tensor want = officialOutput(GetParam());
  for (const auto& [precision, least] : {std::pair{krait::models::Precision::Float16, 0.99},
                                         std::pair{krait::models::Precision::BFloat16, 0.85}}) {
    const torch::Tensor got = forwardOnGpu(GetParam(), true, precision);
    ASSERT_EQ(got.sizes(), want.sizes());
    ASSERT_TRUE(torch::isfinite(got).all().item<bool>());
    const double cosine = torch::cosine_similarity(got.flatten(), want.flatten(), 0).item<double>();
    EXPECT_GE(cosine, least) << GetParam() << " in " << krait::models::precisionName(precision)
                             << "; max relative error " << relativeError(got, want);
    std::printf("%s %s: cosine %.6f, max relative error %.4f\n", GetParam().c_str(),
                krait::models::precisionName(precision), cosine, relativeError(got, want));
  }
}

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
