#include "training_plans.h"

#include <fstream>

#include "krait/base/atomic_output.h"
#include "krait/base/error.h"
#include "krait/models/nnunet/json_fields.h"
#include "krait/pipeline/volume_tensor.h"
#include "krait/training/experiment_planning.h"
#include "krait/training/training_case.h"

namespace fs = std::filesystem;

namespace krait::engine {

namespace {

// DatasetFingerprintExtractor.run: every case's spacing, cropped shape and foreground samples.
training::DatasetFingerprint fingerprint(const TrainingDatasetSource& dataset,
                                         const std::function<void(int64_t, int64_t)>& progress) {
  training::DatasetFingerprint fp;
  std::vector<std::vector<float>> samples;
  std::vector<double> relativeSizes;
  const auto n = static_cast<int64_t>(dataset.cases.size());
  for (size_t i = 0; i < dataset.cases.size(); ++i) {
    const CaseTensors c = readCase(dataset, i);
    const training::CaseFingerprint f = training::fingerprintCase(c.image, c.labels, c.spacing, 1234);
    fp.spacings.push_back(f.spacing);
    fp.shapesAfterCrop.push_back(f.shapeAfterCrop);
    relativeSizes.push_back(f.relativeSizeAfterCropping);
    samples.resize(f.foregroundSamples.size());
    for (size_t ch = 0; ch < samples.size(); ++ch)
      samples[ch].insert(samples[ch].end(), f.foregroundSamples[ch].begin(), f.foregroundSamples[ch].end());
    if (progress) progress(static_cast<int64_t>(i) + 1, n);
  }
  for (size_t ch = 0; ch < samples.size(); ++ch) {
    if (samples[ch].empty())
      throw inputError(dataset.folder.string(), "no case has foreground labels: there is nothing to learn");
    fp.channels.push_back(training::intensityStatistics(samples[ch]));
  }
  fp.medianRelativeSizeAfterCropping = training::median(relativeSizes);
  return fp;
}

void applyOverrides(nlohmann::json& plans, const TrainOptions& o, const fs::path& source) {
  nlohmann::json& configurations = plans.at("configurations");
  models::resolveConfiguration(configurations, o.configuration, source);  // refuses one the plans lack, naming theirs
  nlohmann::json& c = configurations.at(o.configuration);
  if (!o.patchSize.empty()) c["patch_size"] = o.patchSize;
  if (o.batchSize > 0) c["batch_size"] = o.batchSize;
}

}  // namespace

CaseTensors readCase(const TrainingDatasetSource& dataset, size_t index) {
  const TrainingCaseVolumes v = dataset.load(index);
  const std::string& name = dataset.cases[index].description;
  if (v.channels.empty() || v.labels.empty()) throw inputError(name, "the case has no image or no labels");
  std::vector<torch::Tensor> parts;
  for (const Volume& channel : v.channels) parts.push_back(toTensor(channel).to(torch::kFloat));
  CaseTensors c;
  c.image = torch::cat(parts, 0);
  c.labels = toTensor(v.labels)[0];
  if (c.labels.is_floating_point()) c.labels = c.labels.round();
  c.labels = c.labels.to(torch::kShort);
  const auto& s = v.labels.geometry().spacing;
  c.spacing = {s[2], s[1], s[0]};
  return c;
}

nlohmann::json preparePlans(const TrainingDatasetSource& dataset, const nlohmann::json& datasetJson,
                            const TrainOptions& options, const fs::path& modelFolder,
                            const std::function<void(int64_t, int64_t)>& progress) {
  nlohmann::json plans;
  fs::path source = options.plans;
  if (!options.plans.empty()) {
    plans = models::readJson(options.plans);
    if (!plans.contains("configurations") || !plans.at("configurations").is_object())
      throw inputError(options.plans.string(), "no 'configurations': not an nnU-Net plans file");
  } else {
    const training::DatasetFingerprint fp = fingerprint(dataset, progress);
    training::PlanningRequest request = training::planningRequestFromDatasetJson(datasetJson, dataset.name);
    request.plansName = options.plansName;
    request.gpuMemoryTargetGB = options.gpuMemoryTargetGB;
    plans = training::planExperiment(fp, request);
    writeJsonFile(modelFolder / "dataset_fingerprint.json", training::fingerprintToJson(fp));
    source = modelFolder / "plans.json";
  }
  applyOverrides(plans, options, source);
  writeJsonFile(modelFolder / "plans.json", plans);
  return plans;
}

void writeJsonFile(const fs::path& path, const nlohmann::json& value) {
  AtomicOutput out(path);
  {
    std::ofstream file(out.stagingPath());
    file << value.dump(4) << "\n";
    if (!file.flush()) throw outputError(path.string(), "cannot be written");
  }
  out.commit();
}

}  // namespace krait::engine
