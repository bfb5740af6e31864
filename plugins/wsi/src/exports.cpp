#include "exports.h"

#include "atomic_file.h"
#include "vips_support.h"

#include <unistd.h>
#include <vips/vips.h>

#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace krait::wsi {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;  // keeps "type" first, as GeoJSON files are usually read by people too

struct VipsImageRef {
  VipsImage* image = nullptr;
  ~VipsImageRef() {
    if (image) g_object_unref(image);
  }
};

void checkImage(const RgbImage& image) {
  if (image.width < 1 || image.height < 1 ||
      image.pixels.size() != static_cast<size_t>(image.width) * static_cast<size_t>(image.height) * 3)
    throw std::invalid_argument("RGB image of " + std::to_string(image.width) + " x " + std::to_string(image.height) +
                                " pixels holds " + std::to_string(image.pixels.size()) + " bytes");
}

// A vips view of `image`'s pixels (no copy; valid while `image` is).
void wrap(const RgbImage& image, VipsImageRef& out) {
  checkImage(image);
  startVips();
  // libvips takes the pointer as non-const but only reads it for a save.
  out.image =
      vips_image_new_from_memory(const_cast<uint8_t*>(image.pixels.data()), image.pixels.size(),
                                 static_cast<int>(image.width), static_cast<int>(image.height), 3, VIPS_FORMAT_UCHAR);
  if (!out.image) throw std::runtime_error("libvips cannot wrap an image: " + vipsError());
}

void checkPatchExport(const PatchLayer& layer, const PatchExport& what) {
  const size_t n = layer.coords.size();
  const auto check = [n](size_t size, const std::string& name) {
    if (size != n)
      throw std::invalid_argument(name + " has " + std::to_string(size) + " values for " + std::to_string(n) +
                                  " patches");
  };
  if (!layer.scores.empty()) check(layer.scores.size(), "the score");
  for (const PatchColumn& column : what.columns) check(column.values.size(), "column " + column.name);
  if (!what.classOf.empty()) {
    check(what.classOf.size(), "the class list");
    for (const int c : what.classOf)
      if (c < -1 || c >= static_cast<int>(what.classes.size()))
        throw std::invalid_argument("class index " + std::to_string(c) + " is not one of the " +
                                    std::to_string(what.classes.size()) + " classes");
  }
  if (what.objectType != "tile" && what.objectType != "detection")
    throw std::invalid_argument("patch object type must be tile or detection, not " + what.objectType);
}

// A float as JSON: the double nearest its shortest text, so that 0.1f is written 0.1 and not 0.10000000149011612.
double jsonNumber(float v) { return std::strtod(floatText(v).c_str(), nullptr); }

Json closedRing(const Ring& ring) {
  Json out = Json::array();
  for (const Point& p : ring) out.push_back({p[0], p[1]});
  if (!ring.empty()) out.push_back({ring.front()[0], ring.front()[1]});
  return out;
}

std::string csvField(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

Ring readRing(const Json& points, const std::string& path, const std::string& where) {
  if (!points.is_array()) throw SlideError(path, where + ": a ring is not an array of points");
  Ring ring;
  for (const Json& p : points) {
    if (!p.is_array() || p.size() < 2 || !p[0].is_number() || !p[1].is_number())
      throw SlideError(path, where + ": a point is not [x, y]");
    ring.push_back({p[0].get<double>(), p[1].get<double>()});
  }
  if (ring.size() > 1 && ring.front() == ring.back()) ring.pop_back();
  if (ring.size() < 3) throw SlideError(path, where + ": a ring has fewer than 3 points");
  return ring;
}

TissueRegion readPolygon(const Json& rings, const std::string& path, const std::string& where) {
  if (!rings.is_array() || rings.empty()) throw SlideError(path, where + ": a polygon without rings");
  TissueRegion region;
  region.outer = readRing(rings[0], path, where);
  for (size_t i = 1; i < rings.size(); ++i) region.holes.push_back(readRing(rings[i], path, where));
  return region;
}

}  // namespace

std::string floatText(float v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buffer[32];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, v).ptr;
  return std::string(buffer, end);
}

void writePng(const RgbImage& image, const std::string& path) {
  VipsImageRef vips;
  wrap(image, vips);
  writeAtomically(path, [&](const std::string& staging) {
    if (vips_pngsave(vips.image, staging.c_str(), nullptr)) throw SlideError(path, "cannot be written: " + vipsError());
  });
}

void writePyramidalTiff(const RgbImage& image, const std::string& path, double mpp) {
  if (!(mpp >= 0)) throw std::invalid_argument("pixel size must be 0 (unknown) or more µm, not " + std::to_string(mpp));
  VipsImageRef vips;
  wrap(image, vips);
  // libvips takes the resolution in pixels per millimetre and writes pixels per centimetre; with no pixel size it
  // writes its 1 px/mm, which Slide sees as no pixel size (1 mm is no microscope's pixel).
  const double pixelsPerMm = mpp > 0 ? 1000 / mpp : 1.0;
  // Past 4 GiB a classic TIFF's offsets overflow; BigTIFF (which OpenSlide reads) is used well before that.
  const gboolean big = image.pixels.size() > (size_t{1} << 31);
  writeAtomically(path, [&](const std::string& staging) {
    if (vips_tiffsave(vips.image, staging.c_str(), "tile", TRUE, "tile_width", 256, "tile_height", 256, "pyramid", TRUE,
                      "compression", VIPS_FOREIGN_TIFF_COMPRESSION_JPEG, "Q", 90, "xres", pixelsPerMm, "yres",
                      pixelsPerMm, "bigtiff", big, nullptr))
      throw SlideError(path, "cannot be written: " + vipsError());
  });
}

void writePatchGeoJson(const PatchLayer& layer, const PatchExport& what, const std::string& path) {
  checkPatchExport(layer, what);
  Json features = Json::array();
  for (size_t i = 0; i < layer.coords.size(); ++i) {
    const int64_t x = layer.coords[i][0], y = layer.coords[i][1], s = layer.size;
    Json properties = {{"objectType", what.objectType}};
    if (!what.classOf.empty() && what.classOf[i] >= 0) {
      const PatchClass& c = what.classes[what.classOf[i]];
      properties["classification"] = {{"name", c.name}, {"color", {c.color[0], c.color[1], c.color[2]}}};
    }
    Json measurements = Json::object();
    if (!layer.scores.empty() && std::isfinite(layer.scores[i]))
      measurements[what.scoreName] = jsonNumber(layer.scores[i]);
    for (const PatchColumn& column : what.columns)
      if (std::isfinite(column.values[i])) measurements[column.name] = jsonNumber(column.values[i]);
    properties["measurements"] = std::move(measurements);
    features.push_back(
        {{"type", "Feature"},
         {"geometry",
          {{"type", "Polygon"}, {"coordinates", {{{x, y}, {x + s, y}, {x + s, y + s}, {x, y + s}, {x, y}}}}}},
         {"properties", std::move(properties)}});
  }
  writeText(path, Json{{"type", "FeatureCollection"}, {"features", std::move(features)}}.dump() + "\n");
}

void writePatchCsv(const PatchLayer& layer, const PatchExport& what, const std::string& path) {
  checkPatchExport(layer, what);
  std::ostringstream out;
  out << "x,y,size";
  if (!layer.scores.empty()) out << ',' << csvField(what.scoreName);
  for (const PatchColumn& column : what.columns) out << ',' << csvField(column.name);
  if (!what.classOf.empty()) out << ",class";
  out << '\n';
  for (size_t i = 0; i < layer.coords.size(); ++i) {
    out << layer.coords[i][0] << ',' << layer.coords[i][1] << ',' << layer.size;
    if (!layer.scores.empty()) out << ',' << floatText(layer.scores[i]);
    for (const PatchColumn& column : what.columns) out << ',' << floatText(column.values[i]);
    if (!what.classOf.empty()) out << ',' << (what.classOf[i] >= 0 ? csvField(what.classes[what.classOf[i]].name) : "");
    out << '\n';
  }
  writeText(path, out.str());
}

void writeTissueGeoJson(const std::vector<TissueRegion>& tissue, const std::string& path) {
  Json features = Json::array();
  for (const TissueRegion& region : tissue) {
    Json rings = Json::array({closedRing(region.outer)});
    for (const Ring& hole : region.holes) rings.push_back(closedRing(hole));
    features.push_back({{"type", "Feature"},
                        {"geometry", {{"type", "Polygon"}, {"coordinates", std::move(rings)}}},
                        {"properties", {{"objectType", "annotation"}}}});
  }
  writeText(path, Json{{"type", "FeatureCollection"}, {"features", std::move(features)}}.dump() + "\n");
}

std::vector<TissueRegion> readTissueGeoJson(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SlideError(path, "cannot be opened: " + std::string(std::strerror(errno)));
  Json document;
  try {
    document = Json::parse(in);
  } catch (const Json::parse_error& e) {
    throw SlideError(path, std::string("is not JSON: ") + e.what());
  }
  const Json* features = &document;
  Json single = Json::array();
  if (document.is_object() && document.value("type", "") == "FeatureCollection") {
    if (!document.contains("features") || !document["features"].is_array())
      throw SlideError(path, "FeatureCollection without a features array");
    features = &document["features"];
  } else if (document.is_object()) {
    single.push_back(document);
    features = &single;
  } else if (!document.is_array()) {
    throw SlideError(path, "is neither a GeoJSON FeatureCollection nor Features");
  }
  std::vector<TissueRegion> tissue;
  try {
    for (size_t i = 0; i < features->size(); ++i) {
      const Json& feature = (*features)[i];
      const std::string where = "feature " + std::to_string(i);
      if (!feature.is_object() || !feature.contains("geometry") || !feature["geometry"].is_object())
        throw SlideError(path, where + " has no geometry");
      const Json& geometry = feature["geometry"];
      const std::string type = geometry.value("type", "");
      // Other geometries (points, lines a user drew in QuPath) are not tissue.
      if (type != "Polygon" && type != "MultiPolygon") continue;
      if (!geometry.contains("coordinates") || !geometry["coordinates"].is_array())
        throw SlideError(path, where + " has no coordinates");
      const Json& coordinates = geometry["coordinates"];
      if (type == "Polygon") {
        tissue.push_back(readPolygon(coordinates, path, where));
      } else {
        for (const Json& polygon : coordinates) tissue.push_back(readPolygon(polygon, path, where));
      }
    }
  } catch (const Json::exception& e) {  // a member of the wrong JSON type
    throw SlideError(path, std::string("is not GeoJSON as expected: ") + e.what());
  }
  return tissue;
}

}  // namespace krait::wsi
