// Tissue segmentation exactly as CLAM's WholeSlideImage.segmentTissue (plugins.md section 5.1), with OpenCV as
// CLAM uses it: the whole segmentation level read, RGB -> HSV, median blur of the saturation, a binary (or Otsu)
// threshold, a morphological close, contours with holes (RETR_CCOMP), then CLAM's area filters in units of a
// 512 x 512 level-0 patch. Same parameters, same contours, same order, so a Krait patch grid matches CLAM's.
#pragma once

#include <string>
#include <vector>

#include "overlay.h"
#include "slide.h"

namespace krait::wsi {

struct SegmentationParams {
  int segLevel = -1;         // -1: OpenSlide's best level for a 64x downsample (0 for a one-level slide)
  int sthresh = 8;           // saturation threshold
  int sthreshUp = 255;
  int mthresh = 7;           // median blur kernel (odd)
  int close = 4;             // morphological closing kernel; 0: none
  bool useOtsu = false;
  double areaTissue = 100;   // a_t: keep tissue larger than this many reference patches (holes subtracted)
  double areaHole = 16;      // a_h: keep holes larger than this
  int maxHoles = 8;          // max_n_holes: the largest holes considered per region
  int refPatchSize = 512;    // the reference patch's side in level-0 pixels
  std::vector<int> keepIds, excludeIds;  // CLAM's keep_ids / exclude_ids, indices into the filtered regions
};

// CLAM's presets by name: "default" (create_patches_fp.py's defaults), "tcga", "bwh_biopsy", "bwh_resection"
// (presets/*.csv). Throws std::invalid_argument naming the known ones for another name.
SegmentationParams segmentationPreset(const std::string& name);
std::vector<std::string> segmentationPresetNames();

struct Segmentation {
  int level = 0;  // the level it ran on
  std::vector<TissueRegion> regions;  // level-0 pixels, CLAM's int32 truncation of contour * downsample
};

// Throws SlideError when the level is too large (CLAM refuses levels over 1e8 pixels) or cannot be read, and
// std::invalid_argument for parameters CLAM could not run (even median kernel, level out of range).
Segmentation segmentTissue(const Slide& slide, const SegmentationParams& params);

}  // namespace krait::wsi
