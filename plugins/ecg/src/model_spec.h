// An ECG classifier model: a folder with `model.json` (the model spec, spec plugins.md §8.1 item 1) and the
// weights it names. Every value the pre-processing and the network need comes from the spec, not from code, so
// a researcher who trained with other settings says so in the spec. docs/ecg.md documents the format.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace krait::ecg {

struct ModelClass {
  std::vector<std::string> codes;  // SNOMED CT codes scored as this class (equivalent codes: several)
  std::string abbreviation, name;
  double threshold = 0.5;          // the probability from which the class is called present
};

struct BandPass {
  int order = 3;
  double lowHz = 1.0, highHz = 47.0;  // Butterworth band-pass, run forward and backward (zero phase)
};

// What the network takes and how a recording is made into it (spec §2.3).
struct InputContract {
  std::vector<std::string> leads;  // the network's channel order, e.g. I, II, III, aVR, aVL, aVF, V1..V6
  double samplingRateHz = 500.0;   // recordings are resampled to this rate
  int64_t length = 8192;           // samples per window
  std::optional<BandPass> bandPass;
  bool zscorePerLead = true;       // normalisation "zscore-per-lead" (the only other value: "none")
  // Recordings of at least `length` samples: windows every `windowStride` samples, probabilities aggregated
  // by "max" or "mean"; shorter ones: one window, zeros before the signal ("left" padding).
  int64_t windowStride = 4096;
  std::string aggregate = "max";
};

struct ModelSpec {
  std::filesystem::path folder;     // where model.json is
  std::string id, name, version;
  std::string intendedUse;          // shown with every result: e.g. "demonstration only, not for clinical use"
  std::vector<ModelClass> classes;  // in the network's output order
  InputContract input;
  nlohmann::json architecture;      // the network's hyper-parameters (ecg_mamba.h, EcgMambaConfig)
  std::filesystem::path weights;    // absolute
  std::string weightsSha256;        // checked when the model is opened
  nlohmann::json provenance;        // training data, command, metrics: shown, not interpreted
};

// `path`: a model folder or its model.json. Throws FileError naming model.json and the key for anything
// missing or invalid, and for weights that are missing or do not match their sha256.
ModelSpec readModelSpec(const std::filesystem::path& path);

// Lower-case hex SHA-256 of a file (OpenSSL); throws FileError when it cannot be read.
std::string sha256OfFile(const std::filesystem::path& path);

}  // namespace krait::ecg
