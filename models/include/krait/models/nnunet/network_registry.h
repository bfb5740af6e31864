#pragma once
// Which network an nnU-Net checkpoint needs: the registry from trainer names (the checkpoint's trainer_name) to
// network builders. Krait's own trainers are in it from the start (trainers.h); plugins add theirs
// (core/engine's plugin host). A model folder's folds are built and loaded through it.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "krait/models/networks/network.h"
#include "krait/models/nnunet/nnunet_checkpoint.h"
#include "krait/models/nnunet/plans.h"

namespace krait::models {

// What a builder gets: the configuration of plans.json the checkpoint was trained with, and the dataset.
struct NetworkRequest {
  std::string trainer;
  std::string configuration;  // "3d_fullres", "2d", ...
  std::filesystem::path plansFile, datasetFile;
  DatasetDescription dataset;
  int64_t inputChannels = 0, numClasses = 0;  // the dataset's channels; segmentation heads
};

using NetworkBuilder = std::function<std::shared_ptr<Network>(const NetworkRequest&)>;

struct TrainerEntry {
  std::string trainer;   // nnU-Net trainer class name, e.g. "nnUNetTrainerUMambaBot"
  std::string provider;  // "Krait", or the plugin that registered it
  NetworkBuilder build;  // throws Error(Input) for a configuration it cannot build
};

// Throws Error(Usage) when the trainer is already registered (naming who provides it).
void registerTrainer(TrainerEntry entry);
// Removes every entry of a provider (a plugin whose set-up failed half way).
void unregisterProvider(const std::string& provider);
// Sorted by trainer name.
std::vector<TrainerEntry> registeredTrainers();
// Throws Error(Input) for a trainer nobody provides, listing the known ones.
std::shared_ptr<Network> buildRegisteredNetwork(const NetworkRequest& request);

struct LoadedNetwork {
  std::shared_ptr<Network> network;  // weights loaded, eval mode
  NnunetCheckpoint checkpoint;       // trainer, configuration, mirroring axes (weights moved into the network)
  DatasetDescription dataset;
};

// An nnU-Net model's fold: plans.json and dataset.json, and the fold's checkpoint_*.pth.
LoadedNetwork loadNetwork(const std::filesystem::path& plansJson, const std::filesystem::path& datasetJson,
                          const std::filesystem::path& checkpoint);

}  // namespace krait::models
