#include "krait/models/nnunet/plans.h"

#include "krait/models/nnunet/json_fields.h"

namespace krait::models {

json resolveConfiguration(const json& configurations, const std::string& name, const fs::path& path, int depth) {
  if (!configurations.contains(name)) {
    std::string known;
    for (const auto& [key, value] : configurations.items()) known += (known.empty() ? "" : ", ") + key;
    throw inputError(path.string(), "no configuration '" + name + "' (has: " + known + ")");
  }
  json config = configurations.at(name);
  if (!config.contains("inherits_from")) return config;
  if (depth > 8) throw inputError(path.string(), "configuration '" + name + "' inherits in a cycle");
  const auto parent = valueAs<std::string>(config.at("inherits_from"), path, "configuration '" + name + "' inherits_from");
  json merged = resolveConfiguration(configurations, parent, path, depth + 1);
  for (const auto& [key, value] : config.items()) merged[key] = value;
  merged.erase("inherits_from");
  return merged;
}

ConfigurationPlan readConfigurationPlan(const fs::path& plansJson, const std::string& configuration) {
  const json plans = readJson(plansJson);
  if (!plans.contains("configurations")) throw inputError(plansJson.string(), "no 'configurations': not an nnU-Net plans file");
  const json c = resolveConfiguration(plans.at("configurations"), configuration, plansJson);
  const std::string where = "configuration '" + configuration + "'";
  ConfigurationPlan plan;
  plan.name = configuration;
  plan.patchSize = field<std::vector<int64_t>>(c, "patch_size", plansJson, where);
  plan.spacing = field<std::vector<double>>(c, "spacing", plansJson, where);
  if (c.contains("architecture")) {
    // nnU-Net >= 2.4 layout.
    const json& a = c.at("architecture");
    const std::string arch = where + " architecture";
    const json& k = a.contains("arch_kwargs") ? a.at("arch_kwargs") : throw inputError(plansJson.string(), arch + " has no arch_kwargs");
    plan.features = field<std::vector<int64_t>>(k, "features_per_stage", plansJson, arch);
    plan.kernels = field<std::vector<std::vector<int64_t>>>(k, "kernel_sizes", plansJson, arch);
    plan.strides = field<std::vector<std::vector<int64_t>>>(k, "strides", plansJson, arch);
    plan.blocksEncoder = field<std::vector<int64_t>>(k, k.contains("n_blocks_per_stage") ? "n_blocks_per_stage" : "n_conv_per_stage",
                                                     plansJson, arch);
    plan.blocksDecoder = field<std::vector<int64_t>>(k, "n_conv_per_stage_decoder", plansJson, arch);
  } else {
    plan.kernels = field<std::vector<std::vector<int64_t>>>(c, "conv_kernel_sizes", plansJson, where);
    plan.strides = field<std::vector<std::vector<int64_t>>>(c, "pool_op_kernel_sizes", plansJson, where);
    const auto base = field<int64_t>(c, "UNet_base_num_features", plansJson, where);
    const auto max = field<int64_t>(c, "unet_max_num_features", plansJson, where);
    for (size_t s = 0; s < plan.kernels.size(); ++s) plan.features.push_back(std::min(base << s, max));
    plan.blocksEncoder = field<std::vector<int64_t>>(c, "n_conv_per_stage_encoder", plansJson, where);
    plan.blocksDecoder = field<std::vector<int64_t>>(c, "n_conv_per_stage_decoder", plansJson, where);
  }
  const size_t n = plan.kernels.size();
  if (plan.patchSize.empty() || plan.strides.size() != n || plan.features.size() != n || plan.blocksEncoder.size() != n ||
      plan.blocksDecoder.size() + 1 != n)
    throw inputError(plansJson.string(), where + ": kernel sizes, strides, features and blocks disagree on the number of stages");
  for (size_t s = 0; s < n; ++s)
    if (plan.kernels[s].size() != plan.patchSize.size() || plan.strides[s].size() != plan.patchSize.size())
      throw inputError(plansJson.string(), where + ": stage " + std::to_string(s) + " has kernels or strides of the wrong dimensionality");
  return plan;
}

std::string resolvedConfigurationJson(const fs::path& plansJson, const std::string& configuration) {
  const json plans = readJson(plansJson);
  if (!plans.contains("configurations")) throw inputError(plansJson.string(), "no 'configurations': not an nnU-Net plans file");
  return resolveConfiguration(plans.at("configurations"), configuration, plansJson).dump();
}

DatasetDescription readDatasetDescription(const fs::path& datasetJson) {
  const nlohmann::ordered_json d = readJson<nlohmann::ordered_json>(datasetJson);
  DatasetDescription out;
  const nlohmann::ordered_json channels = d.contains("channel_names") ? d.at("channel_names") : d.contains("modality") ? d.at("modality") : nlohmann::ordered_json();
  if (!channels.is_object() || channels.empty()) throw inputError(datasetJson.string(), "no 'channel_names'");
  for (size_t i = 0; i < channels.size(); ++i) {
    const std::string key = std::to_string(i);
    if (!channels.contains(key)) throw inputError(datasetJson.string(), "channel_names lacks channel " + key);
    out.channelNames.push_back(valueAs<std::string>(channels.at(key), datasetJson, "channel_names '" + key + "'"));
  }
  if (!d.contains("labels") || !d.at("labels").is_object()) throw inputError(datasetJson.string(), "no 'labels'");
  for (const auto& [name, value] : d.at("labels").items()) {
    Label label{name, {}};
    if (value.is_array()) {
      out.regions = true;
      label.values = valueAs<std::vector<int>>(value, datasetJson, "label '" + name + "'");
    } else if (value.is_number_integer()) {
      label.values = {valueAs<int>(value, datasetJson, "label '" + name + "'")};
    } else {
      throw inputError(datasetJson.string(), "label '" + name + "' is neither an integer nor a list of integers");
    }
    out.labels.push_back(label);
  }
  if (d.contains("regions_class_order"))
    out.regionClassOrder = valueAs<std::vector<int>>(d.at("regions_class_order"), datasetJson, "regions_class_order");
  if (d.contains("file_ending")) out.fileEnding = valueAs<std::string>(d.at("file_ending"), datasetJson, "file_ending");
  return out;
}

std::vector<MaskLabel> maskLabels(const DatasetDescription& dataset) {
  std::vector<MaskLabel> out;
  size_t region = 0;
  for (const auto& l : dataset.labels) {
    const bool background = l.values.size() == 1 && l.values[0] == 0;
    if (background || l.name == "ignore") continue;
    if (!dataset.regions) {
      out.push_back({l.values[0], l.name});
    } else if (region < dataset.regionClassOrder.size()) {
      out.push_back({dataset.regionClassOrder[region++], l.name});
    }
  }
  return out;
}

int64_t DatasetDescription::numSegmentationHeads() const {
  int64_t heads = 0;
  for (const auto& l : labels) {
    if (l.name == "ignore") continue;
    const bool background = l.values.size() == 1 && l.values[0] == 0;
    if (!regions || !background) ++heads;
  }
  return heads;
}

}  // namespace krait::models
