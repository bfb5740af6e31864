// Attention heatmaps as CLAM draws them (WholeSlideImage.visHeatmap, create_heatmaps.py), and the top-k patches
// CLAM saves beside them. Scores are per patch of a PatchLayer, coordinates level-0, as everywhere in the plugin.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "colormap.h"
#include "overlay.h"
#include "slide.h"

namespace krait::wsi {

// visHeatmap's arguments, with its defaults. The patch size is the layer's (level-0 pixels, as CLAM needs it).
// CLAM's region-of-interest arguments (top_left, bot_right) and its unused canvas_color are not offered.
struct HeatmapOptions {
  int visLevel = -1;                  // pyramid level drawn at; -1: the best level for a 32x downsample
  bool convertToPercentiles = false;  // rank the scores first (percentileRanks); false: scores must already be
                                      // percentiles 0..100 (e.g. percentilesAgainst a reference set), because
                                      // CLAM divides every score by 100 before the colour map either way
  bool binarize = false;              // draw patches at or above `threshold` as 1, others not at all
  double threshold = 0.5;             // binarize's cut on score / 100; below 0: 1 / number of patches
  bool blur = false;                  // Gaussian blur of the score map and of the coloured image, as CLAM
  double overlap = 0;                 // the grid's patch overlap (0.5 for CLAM's re-patching): sets the kernel
  double alpha = 0.4;                 // weight of the colours over the slide; 1: colours only, no blend
  bool blankCanvas = false;           // white canvas instead of the slide
  bool segment = true;                // colour only inside the tissue regions (none given: nothing)
  bool useHoles = true;               // ... and not inside their holes
  Colormap colormap = Colormap::Coolwarm;  // CLAM's default; its heatmap config uses jet
  int maxSize = 0;                         // longest side of the result (0: no limit), resized as PIL's BICUBIC
  double customDownsample = 1;             // shrink the result by this factor (> 1), resized as PIL's BICUBIC
};

// The heatmap at options.visLevel (its size is that level's, unless maxSize or customDownsample shrink it; its
// pixel size is slide.mppX() * slide.width() / result.width). What visHeatmap does, step by step:
//  - scores become percentile ranks when asked, then are divided by 100; a patch counts when its score is >= the
//    threshold (binarize) or >= 0 (otherwise), counting as 1 when binarized; NaN scores are left out;
//  - the patches' level-0 corners and size map to the level by ceil(value / per-axis downsample); on that grid each
//    pixel gets the mean of the scores of the patches over it (counting patches below the threshold as 0), rounded
//    half-to-even when binarized, and is Gaussian-blurred when asked (kernel 2 * int(size * (1 - overlap)) + 1);
//  - pixels under a counted patch, and inside the tissue when `segment` (regions filled largest first, each
//    region's holes cleared after it when useHoles), take the colour map's colour of that mean;
//  - the image is blurred again when asked, blended as alpha * colours + (1 - alpha) * canvas (OpenCV's
//    addWeighted) over the slide or a white canvas, then resized by customDownsample and maxSize.
// Throws SlideError from reading the slide; std::invalid_argument for a layer whose scores do not match its
// patches, a patch size below 1 or a vis level the slide does not have.
RgbImage renderHeatmap(const Slide& slide, const PatchLayer& layer, const std::vector<TissueRegion>& tissue,
                       const HeatmapOptions& options);

// CLAM's to_percentiles: scipy.stats.rankdata(scores, 'average') / n * 100 (ties share their mean rank). NaN scores
// get NaN and are not counted in n (scipy would make every rank NaN).
std::vector<double> percentileRanks(const std::vector<float>& scores);

// CLAM's score2percentile for each score: scipy.stats.percentileofscore(reference, score) (kind 'rank'), the
// percentile of a score among reference scores (CLAM's use_ref_scores: the non-overlapping patches' scores, for
// the scores of a 0.5-overlap re-patching). Float, as CLAM stores them. NaN among the reference is not counted; a
// NaN score, or an empty reference, gives NaN.
std::vector<float> percentilesAgainst(const std::vector<float>& reference, const std::vector<float>& scores);

// Indices of the k highest (or lowest) scoring patches, best first (CLAM's top_k / sample_rois "topk" and
// "reverse_topk"). Ties keep patch order; NaN scores are never chosen. Fewer than k when there are fewer patches.
std::vector<size_t> topK(const PatchLayer& layer, size_t k, bool highest);

// Saves patches `indices` (e.g. topK's) as PNGs in `directory` (created when missing), each read at `level` with
// `size` x `size` pixels from its level-0 corner, as CLAM's sampled patches. Names: <rank>_x<x>_y<y>_s<score>.png,
// rank counting from 0 in the order given, score in its shortest exact form. Returns the paths written. Throws
// SlideError for a read or write error, std::out_of_range for an index past the layer.
std::vector<std::string> saveTopKPatches(const Slide& slide, const PatchLayer& layer,
                                         const std::vector<size_t>& indices, int level, int64_t size,
                                         const std::string& directory);

}  // namespace krait::wsi
