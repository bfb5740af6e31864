#include "krait/models/nnunet/model_folder.h"

#include <ATen/Context.h>

#include <algorithm>

#include <torch/torch.h>

#include "krait/base/error.h"
#include "krait/models/nnunet/network_registry.h"

#ifdef KRAIT_WITH_CUDA
#include "krait/models/networks/graphed_forward.h"
#endif

namespace fs = std::filesystem;

namespace krait::models {

std::vector<std::string> availableFolds(const fs::path& folder, const std::string& checkpointName) {
  std::vector<int> numbered;
  bool all = false;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("fold_", 0) != 0 || !fs::is_regular_file(entry.path() / checkpointName)) continue;
    const std::string fold = name.substr(5);
    if (fold == "all") all = true;
    else if (!fold.empty() && fold.find_first_not_of("0123456789") == std::string::npos) numbered.push_back(std::stoi(fold));
  }
  std::sort(numbered.begin(), numbered.end());
  std::vector<std::string> folds;
  for (int f : numbered) folds.push_back(std::to_string(f));
  if (folds.empty() && all) folds.push_back("all");
  return folds;
}

SegmentationModel loadSegmentationModel(const fs::path& folder, std::vector<std::string> folds,
                                        const std::string& checkpointName) {
  if (!fs::is_directory(folder)) throw inputError(folder.string(), "not a model folder (no such directory)");
  const fs::path plans = folder / "plans.json", dataset = folder / "dataset.json";
  for (const fs::path& p : {plans, dataset})
    if (!fs::is_regular_file(p)) throw inputError(folder.string(), "not an nnU-Net model folder: " + p.filename().string() + " is missing");
  if (folds.empty()) folds = availableFolds(folder, checkpointName);
  if (folds.empty()) throw inputError(folder.string(), "no fold_*/" + checkpointName + " in the model folder");

  SegmentationModel model;
  model.folder = folder;
  model.checkpointName = checkpointName;
  for (const std::string& f : folds) {
    const fs::path checkpoint = folder / ("fold_" + f) / checkpointName;
    if (!fs::is_regular_file(checkpoint)) throw inputError(checkpoint.string(), "missing: fold " + f + " has no " + checkpointName);
    LoadedNetwork loaded = loadNetwork(plans, dataset, checkpoint);
    if (model.folds.empty()) {
      model.trainer = loaded.checkpoint.trainerName;
      model.configuration = loaded.checkpoint.configuration;
      model.dataset = loaded.dataset;
      model.plan = readInferencePlan(plans, dataset, model.configuration);
      model.plan.mirrorAxes = loaded.checkpoint.mirroringAxes;
      try {
        loaded.network->checkTileShape(model.plan.patchSize);
      } catch (const std::invalid_argument& e) {
        throw inputError(plans.string(), std::string("patch_size does not fit the network: ") + e.what());
      }
    } else if (loaded.checkpoint.trainerName != model.trainer || loaded.checkpoint.configuration != model.configuration) {
      throw inputError(checkpoint.string(), "fold " + f + " was trained with " + loaded.checkpoint.trainerName + " / " +
                                                loaded.checkpoint.configuration + ", fold " + model.folds[0].name + " with " +
                                                model.trainer + " / " + model.configuration);
    }
    model.folds.push_back({f, checkpoint, loaded.network});
  }
  for (int axis : model.plan.mirrorAxes)
    if (axis < 0 || axis >= model.plan.dims())
      throw inputError(model.folds[0].checkpoint.string(), "inference_allowed_mirroring_axes names axis " + std::to_string(axis) +
                                                               " of a " + std::to_string(model.plan.dims()) + "D network");
  return model;
}

std::vector<TilePredictor> SegmentationModel::predictors(const torch::Device& device, Precision precision) const {
  // Every tile has the same shape, so cuDNN's per-shape autotuning pays for itself after the first tile.
  if (device.is_cuda()) at::globalContext().setBenchmarkCuDNN(true);
  const torch::ScalarType type = scalarType(precision);
  std::vector<TilePredictor> out;
  for (const ModelFold& fold : folds) {
    fold.network->prepare(device, type);
    std::shared_ptr<Network> net = fold.network;
#ifdef KRAIT_WITH_CUDA
    if (device.is_cuda() && net->graphable()) {
      // cuDNN's reduced-precision convolutions run channels-last (docs/benchmarks.md has the measurements).
      if (precision != Precision::Float32) useChannelsLast(*net);
      auto graphed = std::make_shared<GraphedForward>(net);
      out.push_back([graphed, device, type](const torch::Tensor& tile) {
        torch::InferenceMode guard;
        return (*graphed)(tile.to(device, type));
      });
      continue;
    }
#endif
    out.push_back([net, device, type](const torch::Tensor& tile) {
      torch::InferenceMode guard;
      return net->forward(tile.to(device, type));
    });
  }
  return out;
}

}  // namespace krait::models
