#pragma once
// A training case as nnU-Net prepares it: the fingerprint its experiment planning reads
// (DatasetFingerprintExtractor.analyze_case) and the preprocessed arrays its data loaders sample from
// (DefaultPreprocessor.run_case_npy plus the class locations of sample_foreground_locations). Krait keeps the
// preprocessed cases in memory instead of nnU-Net's .npz files.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <torch/types.h>

#include "krait/pipeline/inference_plan.h"

namespace krait::training {

struct CaseFingerprint {
  std::vector<double> spacing;          // (z, y, x) mm as read
  std::vector<int64_t> shapeAfterCrop;  // (z, y, x) after the crop to the non-zero region
  double relativeSizeAfterCropping = 1.0;
  // Per channel: 10000 voxels inside the labels' foreground (label > 0) drawn with replacement, as
  // collect_foreground_intensities draws them; empty for a case without foreground.
  std::vector<std::vector<float>> foregroundSamples;
};

// image: (C, Z, Y, X) float32 in stored voxel order; labels: (Z, Y, X) integer label values.
CaseFingerprint fingerprintCase(const torch::Tensor& image, const torch::Tensor& labels,
                                const std::vector<double>& spacing, uint64_t seed);

struct TrainingCase {
  std::string id;
  torch::Tensor data;  // (C, Z, Y, X) float32 on the plans' grid (a 2D configuration keeps the slice spacing)
  torch::Tensor seg;   // (1, Z, Y, X) int16: label values, -1 outside the image's non-zero region
  // Foreground label -> (N, 3) int64 voxel indices (z, y, x): at most 10000 of its voxels and at least 1 %,
  // drawn without replacement, for the loaders' foreground oversampling.
  std::map<int64_t, torch::Tensor> classLocations;
};

// nnU-Net's preprocessing for training: transpose, crop to non-zero (labels outside the non-zero mask become
// -1), normalise, resample the image (plan.dataResampling) and the labels (one label at a time, linear in
// plane, nearest across slices when anisotropic, >= 0.5 wins, as resize_segmentation). `foregroundLabels`:
// the label values whose locations are sampled (every label but background and "ignore").
TrainingCase preprocessTrainingCase(std::string id, const torch::Tensor& image, const torch::Tensor& labels,
                                    const std::vector<double>& spacing, const InferencePlan& plan,
                                    const std::vector<int64_t>& foregroundLabels, uint64_t seed);

}  // namespace krait::training
