#pragma once
// Checkpoints that Krait's training writes, in the format nnUNetTrainer.save_checkpoint writes (a torch.save
// archive of one dict), so that the official Python nnU-Net loads them as its own: nnUNetPredictor reads
// 'network_weights', 'trainer_name', init_args['configuration'] and 'inference_allowed_mirroring_axes'; the
// rest records the training as nnU-Net does.
#include <filesystem>
#include <string>
#include <vector>

#include "krait/models/networks/network.h"

namespace krait::models {

struct TrainingLog {  // nnU-Net's 'logging' (nnUNetLogger.my_fantastic_logging), one entry per epoch
  std::vector<double> meanForegroundDice, emaForegroundDice, trainLosses, valLosses, learningRates;
  std::vector<double> epochStartTimestamps, epochEndTimestamps;
};

struct CheckpointInfo {
  std::string trainerName;         // e.g. "nnUNetTrainerUMambaBot"
  std::string plansJson, datasetJson;  // init_args' plans and dataset_json (JSON text, stored as dicts)
  std::string configuration;       // "2d", "3d_fullres", ...
  std::string fold;                // "0".."4" or "all"
  std::vector<int> mirroringAxes;  // inference_allowed_mirroring_axes; empty: None (no mirroring)
  int64_t epoch = 0;               // current_epoch: the epochs completed
  double bestEma = 0.0;            // _best_ema
  TrainingLog log;
  // optimizer.state_dict() and the grad scaler's, as torch.optim writes them (None when undefined): what a
  // resumed training continues from.
  c10::IValue optimizerState, gradScalerState;
};

// Writes `network`'s state_dict (every parameter and buffer under the official key names, alias keys
// included, as PyTorch's state_dict lists them; fp32 on the CPU) with `info`, atomically (the file appears
// whole or not at all). Throws Error(Output) naming the file when it cannot be written.
void writeNnunetCheckpoint(const std::filesystem::path& path, const Network& network, const CheckpointInfo& info);

}  // namespace krait::models
