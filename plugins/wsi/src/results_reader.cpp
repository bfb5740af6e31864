#include "results_reader.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "exports.h"
#include "slide.h"

namespace krait::wsi {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;  // keeps the classes in the file's order

[[noreturn]] void fail(const fs::path& file, const std::string& why) { throw SlideError(file.string(), why); }

Json parse(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(file, "cannot be read");
  try {
    return Json::parse(in);
  } catch (const Json::exception& e) {
    fail(file, std::string("is not valid JSON (") + e.what() + ")");
  }
}

double number(const Json& v, const fs::path& file, const std::string& what) {
  if (!v.is_number()) fail(file, what + " is not a number");
  const double d = v.get<double>();
  if (!std::isfinite(d)) fail(file, what + " is not finite");
  return d;
}

// {"patch_size": n, "coords": [[x, y], ...]}: the part patches.json and scores.json share. A size of 0 is taken
// (the size is then unknown): `krait wsi classify` writes it when the slide's patch file was missing.
PatchLayer patchesOf(const Json& j, const fs::path& file) {
  if (!j.is_object()) fail(file, "is not a JSON object");
  if (!j.contains("patch_size") || !j["patch_size"].is_number_integer() || j["patch_size"].get<int64_t>() < 0)
    fail(file, "needs \"patch_size\", a whole number of level-0 pixels");
  if (!j.contains("coords") || !j["coords"].is_array()) fail(file, "needs \"coords\", an array of [x, y]");
  PatchLayer layer;
  layer.size = j["patch_size"].get<int64_t>();
  for (std::size_t i = 0; i < j["coords"].size(); ++i) {
    const Json& c = j["coords"][i];
    const std::string what = "coords[" + std::to_string(i) + "]";
    if (!c.is_array() || c.size() != 2) fail(file, what + " is not an [x, y] pair");
    layer.coords.push_back({std::llround(number(c[0], file, what)), std::llround(number(c[1], file, what))});
  }
  return layer;
}

}  // namespace

SlideResults readResults(const std::string& directory) {
  const fs::path dir(directory);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) fail(dir, "is not a folder");
  const fs::path tissue = dir / "tissue.geojson", patches = dir / "patches.json", scores = dir / "scores.json";
  if (!fs::exists(tissue, ec) && !fs::exists(patches, ec) && !fs::exists(scores, ec))
    fail(dir, "holds none of tissue.geojson, patches.json, scores.json");
  SlideResults out;
  if (fs::exists(tissue, ec)) {
    out.tissue = readTissueGeoJson(tissue.string());
    if (out.tissue->empty()) fail(tissue, "has no Polygon or MultiPolygon feature");
  }
  if (fs::exists(patches, ec)) {
    out.patches = patchesOf(parse(patches), patches);
    if (out.patches->size == 0) fail(patches, "has no patch size");
  }
  if (fs::exists(scores, ec)) {
    const Json j = parse(scores);
    PatchLayer layer = patchesOf(j, scores);
    if (layer.size == 0 && out.patches) layer.size = out.patches->size;  // the same grid: patches.json knows its size
    if (layer.size == 0) fail(scores, "has no patch size and there is no patches.json to take it from");
    if (!j.contains("attention") || !j["attention"].is_array()) fail(scores, "needs \"attention\", an array of scores");
    if (j["attention"].size() != layer.coords.size())
      fail(scores, std::to_string(j["attention"].size()) + " attention scores for " + std::to_string(layer.coords.size()) + " coords");
    for (std::size_t i = 0; i < layer.coords.size(); ++i)
      layer.scores.push_back(static_cast<float>(number(j["attention"][i], scores, "attention[" + std::to_string(i) + "]")));
    out.attention = std::move(layer);
    if (j.contains("probabilities")) {
      if (!j["probabilities"].is_object()) fail(scores, "\"probabilities\" is not an object of class: probability");
      for (const auto& [name, p] : j["probabilities"].items())
        out.probabilities.emplace_back(name, number(p, scores, "probability of " + name));
    }
    if (j.contains("predicted")) {
      if (!j["predicted"].is_string()) fail(scores, "\"predicted\" is not a class name");
      out.predicted = j["predicted"].get<std::string>();
    }
  }
  return out;
}

void checkWithinSlide(const SlideResults& results, int64_t width, int64_t height) {
  auto outside = [&](double x, double y) { return x < -1 || y < -1 || x > static_cast<double>(width) + 1 || y > static_cast<double>(height) + 1; };
  auto say = [&](const std::string& file, double x, double y) {
    throw SlideError(file, "(" + std::to_string(std::llround(x)) + ", " + std::to_string(std::llround(y)) +
                             ") lies off this " + std::to_string(width) + " x " + std::to_string(height) +
                             " slide: are these results of another slide?");
  };
  if (results.tissue)
    for (const TissueRegion& r : *results.tissue)
      for (const Point& p : r.outer)
        if (outside(p[0], p[1])) say("tissue.geojson", p[0], p[1]);
  for (const auto& [layer, file] : {std::pair{&results.patches, "patches.json"}, std::pair{&results.attention, "scores.json"}})
    if (*layer)
      for (const auto& c : (*layer)->coords)
        if (outside(static_cast<double>(c[0]), static_cast<double>(c[1]))) say(file, static_cast<double>(c[0]), static_cast<double>(c[1]));
}

}  // namespace krait::wsi
