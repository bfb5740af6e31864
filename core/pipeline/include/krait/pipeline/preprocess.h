#pragma once
// nnU-Net's DefaultPreprocessor.run_case_npy at inference: transpose, crop to non-zero, normalise, resample
// to the target spacing; and what export needs to undo it.
#include <array>
#include <vector>

#include <torch/types.h>

#include "krait/pipeline/inference_plan.h"
#include "krait/pipeline/nonzero_crop.h"

namespace krait {

struct PreprocessRecord {
  std::vector<double> originalSpacing;  // (z, y, x) as read
  std::vector<double> spacing;          // (z, y, x) after transpose_forward
  std::array<int64_t, 3> shapeBeforeCropping{}, shapeAfterCropping{};
  BoundingBox box;
  std::vector<double> targetSpacing;  // 3 entries (a 2D configuration keeps the slice spacing)
};

struct Preprocessed {
  torch::Tensor data;  // (C, Z, Y, X) float32: the network's input grid
  PreprocessRecord record;
};

// image: (C, Z, Y, X) float32 in stored voxel order, left unchanged; spacing: (z, y, x) mm. Cropping runs on the
// CPU, normalisation and resampling on `device`, where the data is returned.
Preprocessed preprocess(const torch::Tensor& image, const std::vector<double>& spacing, const InferencePlan& plan,
                        const torch::Device& device);

}  // namespace krait
