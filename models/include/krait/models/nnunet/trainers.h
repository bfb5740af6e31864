#pragma once
// Krait's own networks: what the nnU-Net trainers of the three official repositories (U-Mamba, LightM-UNet,
// Swin-UMamba) build in their build_network_architecture, from the plans' configuration and the dataset. They
// reach the pipeline through the trainer registry (network_registry.h), as plugins' networks do.
#include <memory>
#include <string>
#include <vector>

#include "krait/models/networks/network.h"
#include "krait/models/nnunet/network_registry.h"
#include "krait/models/nnunet/plans.h"

namespace krait::models {

// Throws Error(Input) for a trainer that is not one of Krait's own (the message lists them) or a configuration
// the trainer cannot build (e.g. a 3D Swin-UMamba).
std::shared_ptr<Network> buildNetwork(const std::string& trainerName, const ConfigurationPlan& plan,
                                      int64_t inputChannels, int64_t numClasses);

// One registry entry per trainer above, provided by "Krait".
std::vector<TrainerEntry> kraitTrainers();

}  // namespace krait::models
