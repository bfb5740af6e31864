#include "network_support.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <set>

#include "krait/models/nnunet/nnunet_checkpoint.h"
#include "krait/models/checkpoint/torch_save.h"
#include "krait/models/networks/lightm_unet.h"
#include "krait/models/networks/load_weights.h"
#include "krait/models/nnunet/trainers.h"
#include "krait/models/networks/swin_umamba.h"
#include "npy.h"

namespace krait::test {

using namespace krait::models;

std::filesystem::path networkFixtures() { return std::filesystem::path(KRAIT_FIXTURES) / "networks"; }

std::shared_ptr<Network> loadFixtureNetwork(const std::string& caseName) {
  const auto dir = networkFixtures() / caseName;
  const auto checkpoint = dir / "checkpoint_final.pth";
  // U-Mamba cases go the way a user's model does: plans.json + dataset.json + checkpoint through the factory.
  if (caseName.rfind("umamba", 0) == 0) return loadNetwork(dir / "plans.json", dir / "dataset.json", checkpoint).network;
  // The others are reduced versions of networks whose trainers hard-code their widths.
  std::shared_ptr<Network> net;
  if (caseName.rfind("lightmunet", 0) == 0) {
    LightMUNetOptions o;
    o.dims = caseName == "lightmunet_3d" ? 3 : 2;
    o.inputChannels = 1;
    o.numClasses = 3;
    o.initFilters = 8;
    if (o.dims == 2) o.blocksDown = {1, 1, 1, 1};
    net = makeLightMUNet(o);
  } else if (caseName == "swin_umamba") {
    SwinUMambaOptions o;
    o.inputChannels = 3;
    o.numClasses = 4;
    o.features = {4, 4, 8, 16, 32};
    o.encoder = {2, 4, {2, 2, 2, 2}, {4, 8, 16, 32}, 16};
    net = makeSwinUMamba(o);
  } else if (caseName == "swin_umamba_d") {
    SwinUMambaDOptions o;
    o.numClasses = 4;
    o.encoder = {4, 3, {2, 2, 9, 2}, {4, 8, 16, 32}, 16};
    net = makeSwinUMambaD(o);
  } else {
    throw std::invalid_argument("unknown fixture case " + caseName);
  }
  loadWeights(*net, readNnunetCheckpoint(checkpoint).weights, checkpoint.string());
  net->eval();
  return net;
}

namespace {

std::map<std::string, torch::Tensor> tensorDict(const PyRef& dict) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& [key, value] : dict->as<PyDict>().items) out[key->as<std::string>()] = value->as<torch::Tensor>();
  return out;
}

}  // namespace

std::vector<std::string> gradientFixtureCases() {
  return {"umamba_bot_3d", "umamba_enc_3d", "lightmunet_2d", "swin_umamba", "swin_umamba_d"};
}

double expectOfficialGradients(const std::string& caseName, const torch::Device& device) {
  const auto dir = networkFixtures() / caseName;
  const PyRef fixture = readTorchSave(dir / "gradients.pth");
  const auto net = loadFixtureNetwork(caseName);
  net->to(device);
  for (torch::Tensor& p : net->parameters()) p.requires_grad_(true);
  net->train();
  const torch::Tensor input = readNpy(dir / "input.npy").to(device).requires_grad_(true);
  const torch::Tensor output = net->forward(input);
  // The differentiable paths compute what the kernels do: the official (eval) output.
  EXPECT_LE(relativeError(output.detach().cpu(), readNpy(dir / "output.npy")), 1e-4) << caseName;
  (output * fixture->get("loss_weights")->as<torch::Tensor>().to(device)).sum().backward();

  const std::map<std::string, torch::Tensor> want = tensorDict(fixture->get("parameters"));
  // Gradients that are zero in exact arithmetic (a convolution's bias before a norm, which removes it) are
  // rounding noise in both codes: below 1e-4 of the largest gradient, Krait's must be noise too.
  double largest = 0.0;
  for (const auto& [name, g] : want) largest = std::max(largest, g.abs().max().item<double>());
  std::set<std::string> seen;
  double worst = 0.0;
  // PyTorch lists a module registered twice once, under its first name; LibTorch under both.
  std::set<std::string> aliases;
  for (const KeyAlias& a : net->keyAliases()) aliases.insert(a.alias);
  std::set<std::string> unused;
  for (const PyRef& name : fixture->get("unused")->as<PyList>().items) unused.insert(name->as<std::string>());
  for (const auto& item : net->named_parameters()) {
    if (aliases.count(item.key())) continue;
    if (unused.count(item.key())) {  // deep supervision's other heads: no gradient reaches them
      EXPECT_TRUE(!item.value().grad().defined() || item.value().grad().cpu().abs().max().item<double>() == 0.0) << item.key();
      seen.insert(item.key());
      continue;
    }
    const auto it = want.find(item.key());
    if (it == want.end()) {
      ADD_FAILURE() << item.key() << " has no official gradient";
      continue;
    }
    seen.insert(item.key());
    if (!item.value().grad().defined()) {
      ADD_FAILURE() << item.key() << " got no gradient";
      continue;
    }
    const double scale = it->second.abs().max().item<double>();
    if (scale < 1e-4 * largest) {
      EXPECT_LT(item.value().grad().cpu().abs().max().item<double>(), 1e-4 * largest) << item.key();
      continue;
    }
    const double error = relativeError(item.value().grad().cpu(), it->second);
    worst = std::max(worst, error);
    EXPECT_LE(error, 1e-3) << caseName << ": " << item.key() << " (max |official| " << scale << ")";
  }
  EXPECT_EQ(seen.size(), want.size() + unused.size()) << "official parameters Krait does not have";
  const torch::Tensor inputGrad = fixture->get("input")->as<torch::Tensor>();
  EXPECT_LE(relativeError(input.grad().cpu(), inputGrad), 1e-3) << caseName;
  return worst;
}

double relativeError(const torch::Tensor& got, const torch::Tensor& want) {
  const torch::Tensor g = got.to(torch::kFloat64), w = want.to(torch::kFloat64);
  return ((g - w).abs().max() / w.abs().max()).item<double>();
}

}  // namespace krait::test
