// Training's backward pass through every network family against the official Python code: the fixture's
// weights and input, the loss sum(output * w), and the gradients the official classes computed with PyTorch's
// autograd (tests/fixtures/networks/make_gradient_fixtures.py) — every parameter's and the input's.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "krait/models/checkpoint/torch_save.h"
#include "network_support.h"
#include "npy.h"

using namespace krait::test;
using namespace krait::models;

namespace {

class NetworkGradients : public ::testing::TestWithParam<std::string> {};

TEST_P(NetworkGradients, MatchTheOfficialAutograd) {
  const double worst = expectOfficialGradients(GetParam(), torch::kCPU);
  char figure[32];
  std::snprintf(figure, sizeof figure, "%.2e", worst);
  RecordProperty("worst_relative_error", figure);
}

// The outputs deep supervision trains on: the official decoder's with deep_supervision switched on (U-Mamba,
// Swin-UMamba-D); a network without it gives its one output.
TEST_P(NetworkGradients, DeepSupervisionOutputsMatchTheOfficial) {
  const auto dir = networkFixtures() / GetParam();
  const PyRef fixture = readTorchSave(dir / "gradients.pth");
  const auto net = loadFixtureNetwork(GetParam());
  const torch::Tensor input = readNpy(dir / "input.npy");
  c10::InferenceMode guard;
  const std::vector<torch::Tensor> got = net->forwardDeepSupervision(input);
  const PyRef official = fixture->get("deep_supervision");
  if (!official) {
    ASSERT_EQ(got.size(), 1u);
    EXPECT_TRUE(got[0].equal(net->forward(input)));
    return;
  }
  const auto& want = official->as<PyList>().items;
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const torch::Tensor w = want[i]->as<torch::Tensor>();
    ASSERT_EQ(got[i].sizes(), w.sizes()) << i;
    EXPECT_LE(relativeError(got[i], w), 1e-4) << "output " << i;
  }
  EXPECT_TRUE(got[0].equal(net->forward(input)));
}

INSTANTIATE_TEST_SUITE_P(Official, NetworkGradients, ::testing::ValuesIn(gradientFixtureCases()));

}  // namespace
