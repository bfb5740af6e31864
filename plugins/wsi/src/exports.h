// What the WSI plugin writes for other tools: images (PNG, and pyramidal TIFF that OpenSlide and QuPath open as a
// slide), the patch scores as QuPath GeoJSON and CSV, and tissue regions as GeoJSON (read back too).
// Every write is atomic: the file is written under a hidden name in its folder and renamed into place, so a failed
// write leaves no file and an existing file untouched. Errors about a file are SlideError(path, why).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "overlay.h"
#include "slide.h"

namespace krait::wsi {

// `image` as an 8-bit RGB PNG (a heatmap, a patch). std::invalid_argument for an image whose pixels do not match
// its size.
void writePng(const RgbImage& image, const std::string& path);

// `image` as a tiled (256 x 256), pyramidal, JPEG (Q 90) TIFF, the generic tiled TIFF OpenSlide 3.4.1 reads as a
// slide: one level per halving until a level fits in a tile. mpp (µm per pixel of `image`, e.g. the slide's
// mppX() * its width / image.width for a heatmap) goes into the resolution tags (pixels per centimetre), where
// Slide finds it (MppSource::TiffResolution); 0 writes no pixel size. std::invalid_argument for mpp < 0 or NaN.
void writePyramidalTiff(const RgbImage& image, const std::string& path, double mpp);

// One more value per patch (a class probability, a second attention map).
struct PatchColumn {
  std::string name;
  std::vector<float> values;  // one per patch
};

// A patch class for QuPath's classification (name and display colour).
struct PatchClass {
  std::string name;
  std::array<uint8_t, 3> color{};
};

// What goes with each patch into GeoJSON and CSV.
struct PatchExport {
  std::string scoreName = "attention";  // the name of layer.scores (left out when the layer has no scores)
  std::vector<PatchColumn> columns;     // further values, after the score
  std::vector<PatchClass> classes;      // the classes patches may have
  std::vector<int> classOf;             // per patch, an index into classes or -1 for none; empty: no classes
  std::string objectType = "tile";      // QuPath object type of the patches: "tile" or "detection"
};

// The patches as a GeoJSON FeatureCollection in QuPath's format (0.4 and later; 0.5 reads the same): one Feature
// per patch, in layer order, whose geometry is the patch's square as a closed Polygon ring in level-0 pixels
// ([x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]) and whose properties are
// {"objectType": objectType, "classification": {"name", "color": [r, g, b]} when classed,
//  "measurements": {scoreName: score, column name: value, ...}}. Non-finite values are left out of the
// measurements (QuPath reads a missing measurement as NaN). Values are written in their shortest exact float form.
// std::invalid_argument for scores, columns or classOf whose length is not the patch count, a class index out of
// range, or an objectType QuPath would not read as a detection.
void writePatchGeoJson(const PatchLayer& layer, const PatchExport& what, const std::string& path);

// The patches as CSV: a header, then one row per patch in layer order: x,y,size (level-0 pixels), the score (under
// scoreName), the columns, and "class" (the class name, empty for none) when classOf is given. Floats in their
// shortest exact form, non-finite ones as NaN, inf, -inf; names quoted as RFC 4180 when they need it. Throws as
// writePatchGeoJson.
void writePatchCsv(const PatchLayer& layer, const PatchExport& what, const std::string& path);

// Tissue regions as a GeoJSON FeatureCollection of QuPath annotations ({"objectType": "annotation"}), one Polygon
// Feature per region: the outer ring, then its holes, each closed (last point = first), coordinates level-0.
void writeTissueGeoJson(const std::vector<TissueRegion>& tissue, const std::string& path);

// Tissue regions from GeoJSON: a FeatureCollection, an array of Features (QuPath's export without "Export as
// FeatureCollection") or one Feature; each Polygon gives a region (outer ring, holes), each MultiPolygon several.
// Features of other geometries (points, lines a user drew) are skipped; closing points are dropped. Throws
// SlideError naming the file for a missing file, text that is not JSON, a feature without a geometry, or a ring
// of fewer than 3 points.
std::vector<TissueRegion> readTissueGeoJson(const std::string& path);

// The shortest text that reads back as exactly `v` (as std::to_chars): "0.1", "1e-05"; NaN, inf, -inf as such.
std::string floatText(float v);

}  // namespace krait::wsi
