// The pipeline's results for one slide, as `krait wsi` writes them into a slide's folder (slide_pipeline.h's
// SlideOutputs): tissue.geojson (a GeoJSON
// FeatureCollection of Polygon or MultiPolygon features in level-0 pixels, first ring the outline, the rest holes:
// QuPath's convention, read by exports.h's readTissueGeoJson), patches.json ({"patch_size": side in level-0 pixels, "coords": [[x, y], ...]}) and
// scores.json ({"patch_size", "coords", "attention": one per patch, "probabilities": {"class": p, ...},
// "predicted": "class"}; a patch_size of 0, written when the patch file was missing, is taken from patches.json).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "overlay.h"

namespace krait::wsi {

struct SlideResults {
  std::optional<std::vector<TissueRegion>> tissue;  // absent when the folder has no tissue.geojson
  std::optional<PatchLayer> patches;                // patches.json, without scores
  std::optional<PatchLayer> attention;              // scores.json: its patches with their raw attention scores
  std::vector<std::pair<std::string, double>> probabilities;  // scores.json, in the file's order
  std::string predicted;
};

// Reads whichever of the three files `directory` holds, for the slide viewer and `krait wsi heatmap`. Throws
// SlideError naming the file and what is wrong in it, or when the folder holds none of them.
SlideResults readResults(const std::string& directory);

// Throws SlideError when results cannot be of a width x height slide: a patch corner or a tissue point
// off the slide (results of another slide, or of another level than level 0).
void checkWithinSlide(const SlideResults& results, int64_t width, int64_t height);

}  // namespace krait::wsi
