// Training an ECG model natively (`krait ecg train`): the ECG-Mamba network on recordings from the synthetic
// generator (synthetic_ecg.h), each made into the network's input by the same pre-processing as at inference
// (preprocess.h). Multi-label BCE with logits, AdamW with a cosine schedule, per-class thresholds chosen on a
// held-out set (F1-optimal), and a model folder (model.json + weights.pt) that `krait ecg classify` opens.
// Fresh recordings every epoch: the generator's draws never repeat, so the network cannot memorise them.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "ecg_mamba.h"

namespace krait::ecg {

struct TrainOptions {
  std::filesystem::path output;      // the model folder written (must not hold a model.json yet)
  nlohmann::json architecture;       // ecg_mamba.h's keys; num_classes must equal the generator's classes
  int epochs = 10;
  int64_t recordsPerEpoch = 512;     // fresh synthetic recordings per epoch
  int64_t validationRecords = 256;   // a fixed held-out set (its own seed), for thresholds and the report
  int64_t batchSize = 16;
  double learningRate = 1e-3, weightDecay = 0.05;
  uint64_t seed = 1;
  std::string device = "cpu";
  std::string command;               // the command line, recorded in model.json's provenance
};

struct EpochReport {
  int epoch = 0;
  double trainLoss = 0.0, validationLoss = 0.0, macroAuroc = 0.0, seconds = 0.0;
};

struct TrainResult {
  std::vector<EpochReport> epochs;
  std::vector<double> aurocPerClass, f1PerClass, thresholds;  // on the held-out set, the model's class order
};

// The model's classes: those the generator produces, one per class (synthesizableCodes()).
std::vector<std::string> trainableCodes();

// Throws std::invalid_argument for bad options, FileError for an output that cannot be written.
TrainResult trainEcgModel(const TrainOptions& options, const SelectiveScan& scan,
                          const std::function<void(const EpochReport&)>& progress);

}  // namespace krait::ecg
