#include "production_network.h"

#include <torch/torch.h>

#include <fstream>
#include <stdexcept>
#include <nlohmann/json.hpp>

#include "krait/models/nnunet/trainers.h"

namespace krait::bench {

namespace {
const std::filesystem::path kProduction = std::filesystem::path(KRAIT_FIXTURES) / "networks" / "production";
}  // namespace

torch::Tensor ProductionNetwork::randomTile() const {
  std::vector<int64_t> shape{1, inputChannels};
  shape.insert(shape.end(), plan.patchSize.begin(), plan.patchSize.end());
  return torch::randn(shape);
}

ProductionNetwork productionNetwork(const std::string& name) {
  std::ifstream summaryFile(kProduction / "summary.json");
  const auto all = nlohmann::json::parse(summaryFile);
  if (!all.contains(name)) {
    std::string known;
    for (const auto& [key, value] : all.items()) known += " " + key;
    throw std::invalid_argument("no production network named '" + name + "'; known:" + known);
  }
  const auto& summary = all.at(name);
  ProductionNetwork p;
  p.configuration = summary.at("configuration").get<std::string>();
  p.trainerName = summary.at("trainer_name").get<std::string>();
  p.plans = kProduction / (name + ".plans.json");
  p.dataset = kProduction / (name + ".dataset.json");
  p.plan = models::readConfigurationPlan(p.plans, p.configuration);
  const auto description = models::readDatasetDescription(p.dataset);
  p.inputChannels = static_cast<int64_t>(description.channelNames.size());
  p.net = models::buildNetwork(p.trainerName, p.plan, p.inputChannels,
                               description.numSegmentationHeads());
  {
    torch::NoGradGuard noGrad;
    for (auto& parameter : p.net->parameters()) parameter.normal_(0.0, 0.02);
  }
  p.net->eval();
  return p;
}

}  // namespace krait::bench
