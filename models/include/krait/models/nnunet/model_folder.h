#pragma once
// An nnU-Net model folder as the predictor uses it (nnUNetPredictor.initialize_from_trained_model_folder):
// plans.json and dataset.json at the top, one fold_<f>/<checkpoint> per fold. Every fold is built and
// loaded strictly; they must agree on trainer and configuration.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "krait/pipeline/inference_plan.h"
#include "krait/pipeline/sliding_window.h"
#include "krait/models/networks/network.h"
#include "krait/models/nnunet/plans.h"
#include "krait/models/networks/precision.h"

namespace krait::models {

struct ModelFold {
  std::string name;  // "0", "all", ...
  std::filesystem::path checkpoint;
  std::shared_ptr<Network> network;
};

struct SegmentationModel {
  std::filesystem::path folder;
  std::string trainer, configuration;
  std::string checkpointName;  // each fold's file, e.g. checkpoint_final.pth
  InferencePlan plan;  // mirror axes from the first fold's checkpoint
  DatasetDescription dataset;
  std::vector<ModelFold> folds;

  // One predictor per fold on `device` (networks are moved there and converted to `precision`), running
  // without autograd; tiles go in as fp32 and logits come out in the network's type.
  std::vector<TilePredictor> predictors(const torch::Device& device, Precision precision = Precision::Float32) const;
};

// The folds nnU-Net's predictor detects (auto_detect_available_folds): every numbered fold_<n> holding the
// checkpoint, in numeric order, never fold_all; fold_all alone where no numbered fold exists (nnU-Net would
// then find none).
std::vector<std::string> availableFolds(const std::filesystem::path& folder, const std::string& checkpointName);

// folds empty = every available fold. Throws Error(Input) naming the file for a missing or mismatched part.
SegmentationModel loadSegmentationModel(const std::filesystem::path& folder, std::vector<std::string> folds = {},
                                        const std::string& checkpointName = "checkpoint_final.pth");

}  // namespace krait::models
