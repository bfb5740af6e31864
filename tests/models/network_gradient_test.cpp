// Training's backward pass through every network family against the official Python code: the fixture's
// weights and input, the loss sum(output * w), and the gradients the official classes computed with PyTorch's
// autograd (tests/fixtures/networks/make_gradient_fixtures.py) — every parameter's and the input's.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>

#include "krait/models/checkpoint/torch_save.h"
#include "network_support.h"
#include "npy.h"

using namespace krait::test;
using namespace krait::models;

namespace {

class NetworkGradients : public ::testing::TestWithParam<std::string> {};

std::map<std::string, torch::Tensor> tensorDict(const PyRef& dict) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& [key, value] : dict->as<PyDict>().items) out[key->as<std::string>()] = value->as<torch::Tensor>();
  return out;
}

TEST_P(NetworkGradients, MatchTheOfficialAutograd) {
  const auto dir = networkFixtures() / GetParam();
  const PyRef fixture = readTorchSave(dir / "gradients.pth");
  const auto net = loadFixtureNetwork(GetParam());
  for (torch::Tensor& p : net->parameters()) p.requires_grad_(true);
  net->train();
  const torch::Tensor input = readNpy(dir / "input.npy").requires_grad_(true);
  const torch::Tensor output = net->forward(input);
  // The differentiable paths compute what the kernels do: the official (eval) output.
  EXPECT_LE(relativeError(output.detach(), readNpy(dir / "output.npy")), 1e-4);
  (output * fixture->get("loss_weights")->as<torch::Tensor>()).sum().backward();

  const std::map<std::string, torch::Tensor> want = tensorDict(fixture->get("parameters"));
  // Gradients that are zero in exact arithmetic (a convolution's bias before a norm, which removes it) are
  // rounding noise in both codes: below 1e-4 of the largest gradient, Krait's must be noise too.
  double largest = 0.0;
  for (const auto& [name, g] : want) largest = std::max(largest, g.abs().max().item<double>());
  std::set<std::string> seen;
  double worst = 0.0;
  std::string worstName;
  // PyTorch lists a module registered twice once, under its first name; LibTorch under both.
  std::set<std::string> aliases;
  for (const KeyAlias& a : net->keyAliases()) aliases.insert(a.alias);
  std::set<std::string> unused;
  for (const PyRef& name : fixture->get("unused")->as<PyList>().items) unused.insert(name->as<std::string>());
  for (const auto& item : net->named_parameters()) {
    if (aliases.count(item.key())) continue;
    if (unused.count(item.key())) {  // deep supervision's other heads: no gradient reaches them
      EXPECT_TRUE(!item.value().grad().defined() || item.value().grad().abs().max().item<double>() == 0.0) << item.key();
      seen.insert(item.key());
      continue;
    }
    const auto it = want.find(item.key());
    ASSERT_NE(it, want.end()) << item.key() << " has no official gradient";
    seen.insert(item.key());
    ASSERT_TRUE(item.value().grad().defined()) << item.key();
    const double scale = it->second.abs().max().item<double>();
    if (scale < 1e-4 * largest) {
      EXPECT_LT(item.value().grad().abs().max().item<double>(), 1e-4 * largest) << item.key();
      continue;
    }
    const double error = relativeError(item.value().grad(), it->second);
    if (error > worst) worst = error, worstName = item.key();
    EXPECT_LE(error, 1e-3) << item.key() << " (max |official| " << scale << ")";
  }
  EXPECT_EQ(seen.size(), want.size() + unused.size()) << "official parameters Krait does not have";
  const torch::Tensor inputGrad = fixture->get("input")->as<torch::Tensor>();
  EXPECT_LE(relativeError(input.grad(), inputGrad), 1e-3);
  char figure[64];
  std::snprintf(figure, sizeof figure, "%.2e (%s)", worst, worstName.c_str());
  RecordProperty("worst_relative_error", figure);
}

INSTANTIATE_TEST_SUITE_P(Official, NetworkGradients,
                         ::testing::Values("umamba_bot_3d", "umamba_enc_3d", "lightmunet_2d", "swin_umamba", "swin_umamba_d"));

}  // namespace
