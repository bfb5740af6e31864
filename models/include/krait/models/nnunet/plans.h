#pragma once
// The parts of nnU-Net's plans.json and dataset.json that decide the network: the configuration's patch
// size and architecture (2.1.1's flat fields or the >= 2.4 `architecture.arch_kwargs`, `inherits_from`
// resolved), the input channels and the number of segmentation heads.
#include <filesystem>
#include <string>
#include <vector>

#include "krait/pipeline/inference_plan.h"

namespace krait::models {

struct ConfigurationPlan {
  std::string name;  // "2d", "3d_fullres", ...
  std::vector<int64_t> patchSize;
  std::vector<double> spacing;
  std::vector<int64_t> features;
  std::vector<std::vector<int64_t>> kernels, strides;
  std::vector<int64_t> blocksEncoder, blocksDecoder;
  int dims() const { return static_cast<int>(patchSize.size()); }
};

struct Label {
  std::string name;
  std::vector<int> values;  // one value, or several for a region
};

struct DatasetDescription {
  std::vector<std::string> channelNames;  // in channel order
  std::vector<Label> labels;              // in dataset.json order, background included
  bool regions = false;
  std::vector<int> regionClassOrder;
  std::string fileEnding;
  // nnU-Net's LabelManager: regions -> one head per foreground region; else one per label (no "ignore").
  int64_t numSegmentationHeads() const;
};

struct MaskLabel {
  int value = 0;
  std::string name;
};

// What a mask holds besides background, in dataset.json order: every foreground label with its value, or for
// a region model every region with the value regions_class_order gives it ("ignore" never appears).
std::vector<MaskLabel> maskLabels(const DatasetDescription& dataset);

// Throw Error(Input) naming the file for unreadable JSON, an unknown configuration or missing fields.
ConfigurationPlan readConfigurationPlan(const std::filesystem::path& plansJson, const std::string& configuration);
DatasetDescription readDatasetDescription(const std::filesystem::path& datasetJson);
// The configuration object of plans.json with inherits_from resolved, as JSON text (what plugins' networks get).
std::string resolvedConfigurationJson(const std::filesystem::path& plansJson, const std::string& configuration);

// What the pipeline needs from plans.json and dataset.json for one configuration (mirror axes left empty:
// they come from the checkpoint). Throws Error(Input) naming the file and field.
InferencePlan readInferencePlan(const std::filesystem::path& plansJson, const std::filesystem::path& datasetJson,
                                const std::string& configuration);

}  // namespace krait::models
