// nnU-Net's plans.json and dataset.json as a model folder gives them to readInferencePlan and
// readConfigurationPlan, which promise Error(Input) naming the file and field. The input is plans.json, then
// "KRAIT-NEXT-FILE", then dataset.json; every configuration that plans.json names is read.
#include <nlohmann/json.hpp>

#include "fuzz_input.h"
#include "krait/base/error.h"
#include "krait/models/nnunet/plans.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto parts = krait::fuzz::splitInput(data, size, "KRAIT-NEXT-FILE", 2);
  const std::string datasetText = parts.size() == 2 ? parts[1] : std::string("{}");
  const auto plans = krait::fuzz::writeInput(reinterpret_cast<const uint8_t*>(parts[0].data()), parts[0].size(), "plans.json");
  const auto dataset = krait::fuzz::writeInput(reinterpret_cast<const uint8_t*>(datasetText.data()), datasetText.size(), "dataset.json");
  std::vector<std::string> configurations{"3d_fullres"};
  const auto j = nlohmann::json::parse(parts[0], nullptr, false);
  if (j.is_object() && j.contains("configurations") && j["configurations"].is_object())
    for (const auto& [name, value] : j["configurations"].items()) configurations.push_back(name);
  for (const auto& c : configurations) {
    try {
      krait::models::readInferencePlan(plans, dataset, c);
    } catch (const krait::Error&) {
    }
    try {
      krait::models::readConfigurationPlan(plans, c);
    } catch (const krait::Error&) {
    }
  }
  try {
    krait::models::maskLabels(krait::models::readDatasetDescription(dataset));
  } catch (const krait::Error&) {
  }
  return 0;
}
