#pragma once
// The production-size networks of tests/fixtures/networks/production (the official plans' architectures), with
// random weights: the benchmarks' speed does not depend on their values.
#include <filesystem>
#include <memory>
#include <string>

#include <torch/types.h>

#include "krait/models/networks/network.h"
#include "krait/models/nnunet/plans.h"

namespace krait::bench {

struct ProductionNetwork {
  std::shared_ptr<models::Network> net;  // weights 0.02 * randn, eval mode, on the CPU
  models::ConfigurationPlan plan;
  int64_t inputChannels = 0;
  std::string configuration, trainerName;
  std::filesystem::path plans, dataset;  // the plans.json and dataset.json it was built from

  // A random (1, channels, *patch) tile.
  torch::Tensor randomTile() const;
};

ProductionNetwork productionNetwork(const std::string& name);

}  // namespace krait::bench
