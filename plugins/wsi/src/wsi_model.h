// A WSI model folder, WSInfer's idea (plugins.md sections 5.3, 8.2): model.json says everything needed to run the
// model on a slide the way it was trained — the classes, the aggregator, the patch encoder (kind, weights,
// input size, normalisation), the patching contract (µm per pixel, patch size, contour check, segmentation preset)
// — and names the aggregator's weights (a state dict, as torch.save(model.state_dict()) writes).
//
//   {"name": ..., "version": ..., "intended_use": ..., "classes": ["a", "b"],
//    "aggregator": {"kind": "mambamil", "mixer": "SRMamba", "in_dim": 1280, "num_classes": 2, "layers": 2, "rate": 5},
//    "encoder": {"kind": "tfjs-mobilenet-v2", "path": "...", "input_size": 224, "mean": [0,0,0], "std": [1,1,1],
//                "out_dim": 1280},
//    "patching": {"target_mpp": 0.5, "patch_size": 256, "overlap": 0, "contour_check": "four_pt",
//                 "segmentation_preset": "default"},
//    "weights": "weights.pt"}
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "encoder.h"
#include "mil_model.h"
#include "slide.h"

namespace krait::wsi {

struct PatchingContract {
  double targetMpp = 0.5;
  int64_t patchSize = 256;
  double overlap = 0;
  std::string contourCheck = "four_pt";
  std::string segmentationPreset = "default";
};

struct WsiModelSpec {
  std::filesystem::path folder;
  std::string name, version, intendedUse;
  std::vector<std::string> classes;
  MilConfig aggregator;
  EncoderSpec encoder;  // path resolved against the folder
  PatchingContract patching;
  std::filesystem::path weights;  // resolved against the folder
};

// Reads <folder>/model.json. Throws SlideError naming model.json for a missing file, bad JSON, a missing or
// invalid key (the classes must number the aggregator's num_classes, the encoder's out_dim its in_dim).
WsiModelSpec readWsiModelSpec(const std::filesystem::path& folder);
nlohmann::json toJson(const WsiModelSpec& spec);

// An encoder spec from JSON ({"kind", "path", "input_size", "mean", "std", "out_dim"}); a relative path is taken
// against `base`. Throws std::invalid_argument naming what is wrong.
EncoderSpec encoderSpecFromJson(const nlohmann::json& encoder, const std::filesystem::path& base);
nlohmann::json toJson(const EncoderSpec& encoder);

}  // namespace krait::wsi
