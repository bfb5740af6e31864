#pragma once
// The bar for a mask against the official nnU-Net predictor's: the same geometry, at most 10 voxels in a
// million different, and Dice above 0.99 for every label the reference has. Krait accumulates in float16 as
// nnU-Net does; what may still differ is float rounding of the resampling and the network (a few voxels whose
// two best classes tie).
#include <nlohmann/json.hpp>

#include <string>

#include "krait/base/volume.h"

namespace krait::test {

// labelCounts: case.json's label_voxel_counts ({"0": n, "1": n, ...}). Prints the agreement and Dice.
void expectMaskParity(const Volume& ours, const Volume& official, const nlohmann::json& labelCounts, const std::string& name);

}  // namespace krait::test
