// An opened ECG model: its spec, the network with its weights on a device, and the whole path from a recording
// to per-class probabilities (preprocess.h, then the network on every window, then the spec's aggregation).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "ecg_mamba.h"
#include "model_spec.h"
#include "record.h"

namespace krait::ecg {

struct Classification {
  std::vector<double> probabilities;  // one per spec class, in the spec's order
  std::vector<bool> present;          // probability >= the class's threshold
  std::vector<std::string> notes;     // what the pre-processing did (preprocess.h)
};

class EcgClassifier {
 public:
  // model: a model folder or its model.json; device: "cpu", "cuda" or "cuda:N". The network runs its selective
  // scans through `scan` (the host's, krait/plugin_scan.hpp). Throws FileError for a bad model, and
  // std::invalid_argument for a device this build cannot use.
  EcgClassifier(const std::filesystem::path& model, const std::string& device, SelectiveScan scan);

  const ModelSpec& spec() const { return spec_; }
  Classification classify(const Record& record) const;

 private:
  ModelSpec spec_;
  torch::Device device_;
  std::shared_ptr<EcgMamba> network_;
};

}  // namespace krait::ecg
