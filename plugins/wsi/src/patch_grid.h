// The patch grid exactly as CLAM's process_contours (create_patches_fp.py): per tissue region, in region order,
// candidates on the region's bounding box with x outer and y inner (numpy's meshgrid 'ij', flattened), kept when
// one of four points around the patch centre is inside the outline and not inside a hole ("four_pt"). Krait adds
// the spacing CLAM lacks (CLAM#119, #145, PR #287): a patch is asked for in µm per pixel, and the level and read
// size that give it are chosen from the slide's pixel size.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "overlay.h"
#include "slide.h"

namespace krait::wsi {

// What to read for one patch.
struct PatchGeometry {
  int level = 0;              // CLAM's patch_level
  int64_t readSize = 256;     // CLAM's patch_size: pixels read at `level`
  int64_t level0Size = 256;   // the patch's side in level-0 pixels: readSize * int(level downsample)
  int64_t step = 256;         // grid step at `level` (CLAM's step_size)
};

// CLAM's own terms: patch_size and step_size pixels at patch_level.
PatchGeometry geometryAtLevel(const Slide& slide, int level, int64_t patchSize, int64_t stepSize);
// Krait's: patches of `patchSize` pixels at `targetMpp` µm per pixel (e.g. 256 px at 0.5 µm/px, "20x"); the level
// is the coarsest whose pixel is not larger than the target's, and the read size at it covers the same tissue.
// overlap in [0, 1): the step is patchSize * (1 - overlap). Throws SlideError when the slide's pixel size is
// unknown (give --mpp) and std::invalid_argument for sizes out of range.
PatchGeometry geometryAtSpacing(const Slide& slide, double targetMpp, int64_t patchSize, double overlap);

enum class ContourCheck { FourPoint, FourPointHard, Center, Basic };  // CLAM's contour_fn
ContourCheck contourCheckNamed(const std::string& name);  // "four_pt", "four_pt_hard", "center", "basic"

// Top-left corners in level-0 pixels, in CLAM's order. usePadding: patches may run past the slide's edge.
std::vector<std::array<int64_t, 2>> patchGrid(const Slide& slide, const std::vector<TissueRegion>& regions,
                                              const PatchGeometry& geometry, ContourCheck check = ContourCheck::FourPoint,
                                              bool usePadding = true);

}  // namespace krait::wsi
