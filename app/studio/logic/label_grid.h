#pragma once
// A label map made on another grid than the image it is opened over (an atlas at 2 mm over a 1 mm scan, a map
// from another tool that rounds the header): what differs is said by krait_base's gridDifference; here the map
// resampled onto the image's grid by nearest neighbour, through patient coordinates, so that oblique grids and
// other orientations map right.
#include "krait/base/volume.h"

namespace krait::studio {

// The label at every voxel centre of `onto` (0 outside the map), in the map's pixel type.
Volume resampleNearest(const Volume& labels, const Geometry& onto);

}  // namespace krait::studio
