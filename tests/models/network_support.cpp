#include "network_support.h"

#include <torch/torch.h>

#include "krait/models/nnunet/nnunet_checkpoint.h"
#include "krait/models/checkpoint/torch_save.h"
#include "krait/models/networks/lightm_unet.h"
#include "krait/models/networks/load_weights.h"
#include "krait/models/nnunet/trainers.h"
#include "krait/models/networks/swin_umamba.h"

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

double relativeError(const torch::Tensor& got, const torch::Tensor& want) {
  const torch::Tensor g = got.to(torch::kFloat64), w = want.to(torch::kFloat64);
  return ((g - w).abs().max() / w.abs().max()).item<double>();
}

}  // namespace krait::test
