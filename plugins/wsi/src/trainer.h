// Training a slide-level aggregator natively, as MambaMIL's official training does (utils/core_utils.py): one bag
// per step, cross-entropy on the slide label, Adam (lr 2e-4, weight decay 1e-5), the official initialisation
// (MambaMIL: xavier-normal Linear weights with zero biases, LayerNorms 1 and 0, Mamba's A_log = log(1..16) and
// D = 1; ABMIL: PyTorch's defaults). The bags are CLAM feature files; the result is a model folder (wsi_model.h).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "encoder.h"
#include "mil_model.h"
#include "wsi_model.h"

namespace krait::wsi {

struct LabelledBag {
  std::filesystem::path features;  // a CLAM h5_files/<slide>.h5
  int64_t label = 0;
  bool validation = false;
};

// A labels CSV with a header: slide_id,label[,split]; label is a class name, split "train" (default) or "val".
// slide_id names <bags>/<slide_id>.h5. Throws SlideError naming the CSV for a bad line, an unknown class or a
// missing feature file.
std::vector<LabelledBag> readLabels(const std::filesystem::path& csv, const std::filesystem::path& bags,
                                    const std::vector<std::string>& classes);

struct TrainOptions {
  WsiModelSpec model;  // everything but the folder and the weights: classes, aggregator, encoder, patching
  std::vector<LabelledBag> bags;
  std::filesystem::path output;  // the model folder written
  int64_t epochs = 20;
  double learningRate = 2e-4, weightDecay = 1e-5;
  uint64_t seed = 1;
  torch::Device device = torch::kCPU;
};

struct EpochReport {
  int64_t epoch = 0;
  double trainLoss = 0, trainAccuracy = 0;
  double validationLoss = 0, validationAccuracy = 0;  // NaN without validation bags
};

// Trains, then writes <output>/weights.pt (a state dict by the official names) and model.json, and
// training_log.json with every epoch. Returns the epochs' reports.
std::vector<EpochReport> trainMilModel(const TrainOptions& options, const plugin::ScanFunction& scan,
                                       const std::function<void(const EpochReport&)>& progress);

// The official initialisation of a freshly built model (see above).
void initializeLikeOfficial(MilModel& model);

}  // namespace krait::wsi
