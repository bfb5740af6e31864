#include "krait/models/nnunet/plans.h"

#include <algorithm>

#include "krait/models/nnunet/json_fields.h"

namespace krait::models {
namespace {

// resampling_fn_* and their kwargs: Krait implements nnU-Net's default function only.
ResamplingOptions readResampling(const json& c, const std::string& fn, const fs::path& path,
                                 const std::string& where, ResamplingOptions defaults) {
  if (c.contains(fn)) {
    const auto name = field<std::string>(c, fn.c_str(), path, where);
    if (name != "resample_data_or_seg_to_shape")
      throw inputError(path.string(), where + ": " + fn + " '" + name +
                                          "' is not supported (Krait implements resample_data_or_seg_to_shape)");
  }
  const std::string kwargsKey = fn + "_kwargs";
  if (!c.contains(kwargsKey)) return defaults;
  const json& k = c.at(kwargsKey);
  const std::string at = where + " " + kwargsKey;
  if (k.contains("order")) defaults.order = field<int>(k, "order", path, at);
  if (k.contains("order_z")) defaults.orderZ = field<int>(k, "order_z", path, at);
  if (k.contains("force_separate_z") && !k.at("force_separate_z").is_null())
    defaults.forceSeparateZ = field<bool>(k, "force_separate_z", path, at);
  if (k.contains("separate_z_anisotropy_threshold"))
    defaults.anisotropyThreshold = field<double>(k, "separate_z_anisotropy_threshold", path, at);
  return defaults;
}

std::vector<int> readTranspose(const json& plans, const char* key, const fs::path& path) {
  if (!plans.contains(key)) return {0, 1, 2};
  auto t = field<std::vector<int>>(plans, key, path, "plans");
  std::vector<int> sorted = t;
  std::sort(sorted.begin(), sorted.end());
  if (sorted != std::vector<int>{0, 1, 2}) throw inputError(path.string(), std::string(key) + " is not a permutation of 0, 1, 2");
  return t;
}

}  // namespace

InferencePlan readInferencePlan(const fs::path& plansJson, const fs::path& datasetJson, const std::string& configuration) {
  const ConfigurationPlan arch = readConfigurationPlan(plansJson, configuration);
  const DatasetDescription dataset = readDatasetDescription(datasetJson);
  const json plans = readJson(plansJson);
  const json c = resolveConfiguration(plans.at("configurations"), configuration, plansJson);
  const std::string where = "configuration '" + configuration + "'";

  InferencePlan p;
  p.transposeForward = readTranspose(plans, "transpose_forward", plansJson);
  p.transposeBackward = readTranspose(plans, "transpose_backward", plansJson);
  p.patchSize = arch.patchSize;
  p.targetSpacing = arch.spacing;
  if (p.patchSize.size() != p.targetSpacing.size() || (p.dims() != 2 && p.dims() != 3))
    throw inputError(plansJson.string(), where + ": patch_size and spacing must both have 2 or 3 entries");

  const auto schemes = field<std::vector<std::string>>(c, "normalization_schemes", plansJson, where);
  const auto useMask = field<std::vector<bool>>(c, "use_mask_for_norm", plansJson, where);
  if (schemes.size() != dataset.channelNames.size() || useMask.size() != schemes.size())
    throw inputError(plansJson.string(), where + ": normalization_schemes and use_mask_for_norm must have one entry per channel of " +
                                             datasetJson.string());
  const json props = plans.contains("foreground_intensity_properties_per_channel")
                         ? plans.at("foreground_intensity_properties_per_channel") : json::object();
  for (size_t i = 0; i < schemes.size(); ++i) {
    ChannelNormalization n;
    try {
      n.scheme = normalizationSchemeFromName(schemes[i]);
    } catch (const Error& e) {
      throw inputError(plansJson.string(), e.what());
    }
    n.useMask = useMask[i];
    if (n.scheme == NormalizationScheme::CT) {
      const std::string key = std::to_string(i), at = "foreground_intensity_properties_per_channel." + key;
      if (!props.contains(key)) throw inputError(plansJson.string(), "CTNormalization needs " + at);
      const json& f = props.at(key);
      n.mean = field<double>(f, "mean", plansJson, at);
      n.std = field<double>(f, "std", plansJson, at);
      n.lowerBound = field<double>(f, "percentile_00_5", plansJson, at);
      n.upperBound = field<double>(f, "percentile_99_5", plansJson, at);
    }
    p.channels.push_back(n);
  }
  p.dataResampling = readResampling(c, "resampling_fn_data", plansJson, where, {3, 0, {}, 3.0});
  p.probabilityResampling = readResampling(c, "resampling_fn_probabilities", plansJson, where, {1, 0, {}, 3.0});

  p.segmentationHeads = dataset.numSegmentationHeads();
  p.regions = dataset.regions;
  if (p.regions) {
    p.regionClassOrder = dataset.regionClassOrder;
    if (static_cast<int64_t>(p.regionClassOrder.size()) != p.segmentationHeads)
      throw inputError(datasetJson.string(), "regions_class_order must name one label per region");
  }
  return p;
}

}  // namespace krait::models
