#pragma once
// The plans a training runs with, written into its results folder before anything is trained: a given
// plans.json, or nnU-Net's fingerprint (every case read once) and experiment planning; the command line's
// patch and batch size written into the configuration, so the model folder describes the network it holds.
#include <filesystem>
#include <functional>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <vector>

#include "krait/engine/trainer.h"

namespace krait::engine {

// (C, Z, Y, X) float32 image, (Z, Y, X) labels and the (z, y, x) spacing of a case, read through the source.
struct CaseTensors {
  torch::Tensor image, labels;
  std::vector<double> spacing;
};
CaseTensors readCase(const TrainingDatasetSource& dataset, size_t index);

// Writes modelFolder/plans.json (and dataset_fingerprint.json when planned) and returns the plans.
nlohmann::json preparePlans(const TrainingDatasetSource& dataset, const nlohmann::json& datasetJson,
                            const TrainOptions& options, const std::filesystem::path& modelFolder,
                            const std::function<void(int64_t done, int64_t total)>& progress);

// Writes JSON atomically (indent 4, as nnU-Net's save_json); Error(Output) naming the file.
void writeJsonFile(const std::filesystem::path& path, const nlohmann::json& value);

}  // namespace krait::engine
