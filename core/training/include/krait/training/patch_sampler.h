#pragma once
// nnU-Net's training data loaders (nnUNetDataLoader2D / 3D.generate_train_batch): cases drawn with
// replacement, the last third of each batch forced to be centred on a foreground voxel (a random class, then a
// random one of its sampled locations), the rest anywhere the padded patch fits; a 2D configuration first
// draws a slice (one holding the chosen class when forced). Patches are cut at the augmentation's larger
// initial size; the image is padded with 0 and the labels with -1 where the patch leaves the case.
#include <cstdint>
#include <random>
#include <vector>

#include <torch/types.h>

#include "krait/training/training_case.h"

namespace krait::training {

struct PatchSamplerOptions {
  std::vector<int64_t> patchSize;       // what is cut: the augmentation's initial patch (2 or 3 axes)
  std::vector<int64_t> finalPatchSize;  // the network's patch; the difference may lie outside the case
  int batchSize = 2;
  double oversampleForeground = 0.33;
};

struct PatchBatch {
  torch::Tensor data;  // (B, C, *patchSize) float32
  torch::Tensor seg;   // (B, 1, *patchSize) int16, -1 outside the cases
};

// cases: every case of the dataset; keys: the indices of those this loader draws from (a fold's training or
// validation cases).
PatchBatch samplePatches(const std::vector<TrainingCase>& cases, const std::vector<size_t>& keys,
                         const PatchSamplerOptions& options, std::mt19937_64& rng);

}  // namespace krait::training
