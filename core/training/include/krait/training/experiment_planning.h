#pragma once
// nnU-Net v2 (2.1.1) experiment planning without Python: the fingerprint's intensity statistics and the default
// ExperimentPlanner's plans.json (2d and 3d_fullres), with numpy's arithmetic reproduced so that the plans are the
// official ones value for value. Pure functions; bad input throws krait::Error (ErrorKind::Input).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace krait::training {

// foreground_intensity_properties_per_channel of dataset_fingerprint.json for one channel.
struct ChannelIntensities {
  double mean = 0, median = 0, std = 0, min = 0, max = 0, percentile99_5 = 0, percentile00_5 = 0;
};

// What DatasetFingerprintExtractor.run computes from one channel's sampled foreground voxels (the caller samples):
// np.mean, np.median, np.std, np.min, np.max and np.percentile (linear) 99.5 / 0.5 of a float32 array, in float32
// where numpy works in float32 (pairwise sums), so results are bit-identical. Empty samples throw.
ChannelIntensities intensityStatistics(std::vector<float> foregroundSamples);

// dataset_fingerprint.json.
struct DatasetFingerprint {
  std::vector<std::vector<double>> spacings;         // per case, (z, y, x) in mm, as nnU-Net's readers give them
  std::vector<std::vector<int64_t>> shapesAfterCrop; // per case, (z, y, x)
  std::vector<ChannelIntensities> channels;          // in channel order
  double medianRelativeSizeAfterCropping = 1.0;      // decides whether z-scoring uses the nonzero mask
};
DatasetFingerprint fingerprintFromJson(const nlohmann::json& fingerprint);
// dataset_fingerprint.json as DatasetFingerprintExtractor.run writes it (the fields fingerprintFromJson reads).
nlohmann::json fingerprintToJson(const DatasetFingerprint& fingerprint);
// np.median of float64 values (the extractor's median_relative_size_after_cropping). Empty values throw.
double median(std::vector<double> values);

// What the planner reads from dataset.json, plus its own options.
struct PlanningRequest {
  std::string datasetName;                  // e.g. "Dataset001_Liver" (plans' dataset_name)
  std::string plansName = "nnUNetPlans";
  std::vector<std::string> channelNames;    // channel_names values in channel order; they pick the normalisation
  int64_t numLabels = 0;                    // entries of "labels", background and an ignore label included
  int64_t numTraining = 0;
  std::string imageReaderWriter = "SimpleITKIO";
  std::vector<std::string> configurations{"2d", "3d_fullres"};  // 3d_lowres / cascade are not planned
  double gpuMemoryTargetGB = 8;             // UNet_vram_target_GB
};
// channel_names, labels, numTraining and the reader (overwrite_image_reader_writer, else the file_ending's first
// reader in nnU-Net's registry order).
PlanningRequest planningRequestFromDatasetJson(const nlohmann::json& datasetJson, const std::string& datasetName);

// nnUNetPlans.json as ExperimentPlanner.plan_experiment writes it, with the requested configurations among 2d and
// 3d_fullres (3d_fullres only for 3D data, as nnU-Net plans it).
nlohmann::json planExperiment(const DatasetFingerprint& fingerprint, const PlanningRequest& request);

}  // namespace krait::training
