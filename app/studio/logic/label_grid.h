#pragma once
// A label map made on another grid than the image it is opened over (an atlas at 2 mm over a 1 mm scan, a map
// from another tool that rounds the header): what differs, in words, and the map resampled onto the image's grid
// by nearest neighbour, through patient coordinates, so that oblique grids and other orientations map right.
#include <string>

#include "krait/base/volume.h"

namespace krait::studio {

// "" when the grids agree within `tolerance` mm; else each difference, e.g. "size 91 x 109 x 91 (image 181 x
// 217 x 181); spacing 2 x 2 x 2 mm (image 1 x 1 x 1)".
std::string gridDifference(const Geometry& labels, const Geometry& image, double tolerance = 1e-3);

// The label at every voxel centre of `onto` (0 outside the map), in the map's pixel type.
Volume resampleNearest(const Volume& labels, const Geometry& onto);

}  // namespace krait::studio
