#pragma once
// The engine's training API: nnU-Net's training (nnUNetTrainer and the official Mamba trainers) on an nnU-Net
// raw dataset, writing an nnU-Net results folder (plans.json, dataset.json, fold_<f>/checkpoint_*.pth) that
// Krait's Segmenter and the official Python nnU-Net both load. `krait train` calls only this. LibTorch-free.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "krait/base/volume.h"

namespace krait {

// A dataset's cases as the front end found them (io::findTrainingDataset), and how to read one.
struct TrainingCaseVolumes {
  std::vector<Volume> channels;  // one per channel, in dataset.json's channel order, all on one grid
  Volume labels;                 // the label map on that grid
};

struct TrainingCaseSource {
  std::string id;
  std::string description;  // the label map's path, for messages
};

struct TrainingDatasetSource {
  std::filesystem::path folder;  // the raw dataset folder; its dataset.json is copied into the results
  std::string name;              // DatasetXXX_Name (the folder's name)
  std::vector<TrainingCaseSource> cases;
  std::function<TrainingCaseVolumes(size_t index)> load;  // throws Error(Input) naming the file
};

struct TrainOptions {
  std::string trainer = "nnUNetTrainerUMambaBot";
  std::string configuration = "3d_fullres";
  std::string fold = "0";        // "0".."4" (nnU-Net's 5-fold split, or the dataset's splits_final.json) or "all"
  std::filesystem::path output;  // results root: <output>/<dataset>/<trainer>__<plans>__<configuration>/fold_<f>
  std::filesystem::path plans;   // a plans.json to train with; empty: nnU-Net's experiment planning
  std::string plansName = "nnUNetPlans";
  std::filesystem::path init;    // an nnU-Net checkpoint of the same network to start from (fine-tuning)
  bool resume = false;           // continue the fold from its checkpoint_latest.pth (else checkpoint_final.pth)
  std::string device = "cpu";    // "cpu", "cuda", "cuda:N"
  std::string precision = "auto";  // "auto" (fp16 autocast on CUDA where the trainer uses AMP), "fp32", "fp16", "bf16"
  int epochs = 1000;
  int iterationsPerEpoch = 250, validationIterations = 50;
  int batchSize = 0;                // 0: the plans'
  std::vector<int64_t> patchSize;   // empty: the plans' (a smaller one makes a CPU configuration)
  double gpuMemoryTargetGB = 8.0;   // experiment planning's VRAM budget
  uint64_t seed = 0;                // weights, patches and augmentation
  int saveEvery = 50;               // epochs between checkpoint_latest.pth
};

struct EpochSummary {
  int epoch = 0;                      // 0-based
  double trainLoss = 0.0, validationLoss = 0.0, learningRate = 0.0, seconds = 0.0;
  std::vector<double> dicePerClass;   // pseudo Dice of the validation patches, foreground classes in order
  double meanDice = 0.0, emaDice = 0.0;
  bool best = false;                  // the EMA improved: checkpoint_best.pth was written
};

struct TrainingProgress {
  std::string stage;            // "fingerprint", "preprocess", "train", "validate"
  int epoch = 0, epochs = 0;
  int64_t done = 0, total = 0;  // cases or iterations of the stage
  const EpochSummary* finished = nullptr;  // set once per epoch, when it ends
};
// Returning false stops the training after saving checkpoint_latest.pth (resumable); it then throws
// Error(Cancelled).
using TrainingCallback = std::function<bool(const TrainingProgress&)>;

struct TrainingResult {
  std::filesystem::path modelFolder, foldFolder;
  std::vector<std::string> trainingCases, validationCases;
  std::vector<EpochSummary> epochs;  // those run by this call
  double bestEma = 0.0;
  double iterationsPerSecond = 0.0;  // training iterations of this call, validation excluded
};

// Throws Error(Usage) for bad options (values, device, precision), Error(Input) for a trainer Krait cannot train:
// what train() checks first, for front ends to call before they read a dataset.
void checkTrainOptions(const TrainOptions& options);

// Throws Error(Usage) for bad options, Error(Input) for a dataset, plans or checkpoint that cannot be used
// (naming the file), Error(Output) when the fold folder already holds a training and resume is off.
TrainingResult train(const TrainingDatasetSource& dataset, const TrainOptions& options,
                     const TrainingCallback& progress = {});

}  // namespace krait
