// What the pipeline draws over a slide, in level-0 pixel coordinates: tissue regions (CLAM's contours and holes),
// the patch grid, and per-patch scores (attention or a class probability) for the heatmap.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace krait::wsi {

using Point = std::array<double, 2>;  // x, y in level-0 pixels
using Ring = std::vector<Point>;      // closed implicitly (the last point joins the first)

// One piece of tissue: its outline and the holes CLAM kept inside it.
struct TissueRegion {
  Ring outer;
  std::vector<Ring> holes;
};

// Square patches: top-left corners in level-0 pixels (CLAM's `coords`, in its order) and the side in level-0
// pixels. scores is empty or one value per patch.
struct PatchLayer {
  std::vector<std::array<int64_t, 2>> coords;
  int64_t size = 0;
  std::vector<float> scores;
};

}  // namespace krait::wsi
