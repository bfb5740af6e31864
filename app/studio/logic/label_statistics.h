#pragma once
// The segment table's figures: voxels and volume of every label in a label map.
#include <cstdint>
#include <vector>

#include "krait/base/volume.h"

namespace krait::studio {

struct LabelStatistics {
  int64_t label = 0;
  int64_t voxels = 0;
  double millilitres = 0.0;  // voxels x the voxel's volume (spacing in mm), / 1000
};

// Every label but 0 present in the map, in increasing order. Throws Error(Input) for a map with
// non-integer (floating-point) voxel values that are not whole numbers.
std::vector<LabelStatistics> labelStatistics(const Volume& labels);

}  // namespace krait::studio
