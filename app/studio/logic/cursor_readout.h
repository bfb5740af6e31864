#pragma once
// The status bar's readout under the cursor: voxel index, position in mm and the value there.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "krait/base/volume.h"

namespace krait::studio {

struct CursorReadout {
  bool inside = false;               // the point falls in a voxel of the volume
  std::array<int64_t, 3> index{};    // nearest voxel (i, j, k)
  Vec3 position{};                   // the point, LPS mm
  std::vector<double> values;        // one per channel; empty outside
};

// The voxel nearest to an LPS point.
CursorReadout readoutAt(const Volume& volume, const Vec3& lps);

// "voxel (i, j, k)  x, y, z mm (LPS)  value v" ("values a, b" for several channels, "outside the image" when
// the point is not in it). Integer images print integers; others up to 6 significant digits.
std::string statusText(const CursorReadout& readout, PixelType type);

}  // namespace krait::studio
