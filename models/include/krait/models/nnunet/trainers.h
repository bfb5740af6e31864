#pragma once
// Builds the network an nnU-Net trainer of the three official repositories builds (its
// build_network_architecture), from the trainer name, the plans' configuration and the dataset, and loads a
// checkpoint into it.
#include <filesystem>
#include <memory>
#include <string>

#include "krait/models/checkpoint/torch_save.h"
#include "krait/models/networks/network.h"
#include "krait/models/nnunet/plans.h"

namespace krait::models {

// Throws Error(Input) for a trainer Krait does not know (the message lists the known ones) or a
// configuration the trainer cannot build (e.g. a 3D Swin-UMamba).
std::shared_ptr<Network> buildNetwork(const std::string& trainerName, const ConfigurationPlan& plan,
                                      int64_t inputChannels, int64_t numClasses);

// Refuses, naming `source`, checkpoints of U-Mamba's first code release (before 2024-03-27), whose keys
// (decoder.transpconvs.*, a top-level mamba.*) fit no current class.
void refuseLegacyLayout(const StateDict& weights, const std::string& source);

struct LoadedNetwork {
  std::shared_ptr<Network> network;  // weights loaded, eval mode
  NnunetCheckpoint checkpoint;       // trainer, configuration, mirroring axes (weights moved into the network)
  ConfigurationPlan plan;
  DatasetDescription dataset;
};

// An nnU-Net model: plans.json and dataset.json, and one fold's checkpoint_*.pth.
LoadedNetwork loadNetwork(const std::filesystem::path& plansJson, const std::filesystem::path& datasetJson,
                          const std::filesystem::path& checkpoint);

}  // namespace krait::models
