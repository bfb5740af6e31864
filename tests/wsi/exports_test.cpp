// The plugin's exports: PNG and pyramidal TIFF read back (the TIFF through OpenSlide, as a slide with its pixel
// size), QuPath GeoJSON and CSV of the patches, tissue GeoJSON round trips, and atomic writes that leave nothing
// behind when they fail.
#include "exports.h"

#include <gtest/gtest.h>
#include <vips/vips.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>

#include "slide.h"
#include "testdata.h"

namespace krait::wsi {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// A smooth test pattern (JPEG keeps it close) with a few sharp marks.
RgbImage pattern(int64_t width, int64_t height) {
  RgbImage image{width, height, std::vector<uint8_t>(static_cast<size_t>(width * height * 3))};
  for (int64_t y = 0; y < height; ++y)
    for (int64_t x = 0; x < width; ++x) {
      uint8_t* p = &image.pixels[static_cast<size_t>((y * width + x) * 3)];
      p[0] = static_cast<uint8_t>(x * 255 / width);
      p[1] = static_cast<uint8_t>(y * 255 / height);
      p[2] = static_cast<uint8_t>(128 + 100 * std::sin(static_cast<double>(x + y) / 60));
    }
  return image;
}

RgbImage loadPng(const std::string& path) {
  static std::once_flag once;
  std::call_once(once, [] { ASSERT_EQ(VIPS_INIT("krait-tests"), 0); });
  VipsImage* image = vips_image_new_from_file(path.c_str(), nullptr);
  if (!image) throw std::runtime_error(path + ": " + vips_error_buffer());
  size_t size = 0;
  void* memory = vips_image_write_to_memory(image, &size);
  RgbImage out{vips_image_get_width(image), vips_image_get_height(image), {}};
  g_object_unref(image);
  out.pixels.assign(static_cast<uint8_t*>(memory), static_cast<uint8_t*>(memory) + size);
  g_free(memory);
  return out;
}

Json loadJson(const std::string& path) {
  std::ifstream in(path);
  return Json::parse(in);
}

std::vector<std::string> entries(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(folder)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

PatchLayer threePatches() { return {{{0, 0}, {512, 0}, {1024, 2048}}, 512, {0.25f, 0.1f, std::nanf("")}}; }

TEST(Exports, PngRoundTrip) {
  const krait::test::TempDir dir;
  const RgbImage image = pattern(97, 61);
  writePng(image, (dir / "heatmap.png").string());
  const RgbImage back = loadPng((dir / "heatmap.png").string());
  EXPECT_EQ(back.width, 97);
  EXPECT_EQ(back.height, 61);
  EXPECT_EQ(back.pixels, image.pixels);
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"heatmap.png"});
  EXPECT_THROW(writePng(RgbImage{4, 4, std::vector<uint8_t>(10)}, (dir / "bad.png").string()), std::invalid_argument);
}

TEST(Exports, PyramidalTiffOpensWithOpenSlideWithItsPixelSize) {
  const krait::test::TempDir dir;
  const RgbImage image = pattern(1500, 1100);
  const std::string path = (dir / "heatmap.tif").string();
  writePyramidalTiff(image, path, 16.0);  // e.g. a 0.5 µm/px slide's heatmap at 32x
  const Slide slide(path);
  EXPECT_EQ(slide.vendor(), "generic-tiff");
  // Halved until a level fits in one 256-px tile: 1500 x 1100, 750 x 550, 375 x 275, 187 x 137.
  ASSERT_EQ(slide.levels().size(), 4u);
  EXPECT_EQ(slide.levels()[0].width, 1500);
  EXPECT_EQ(slide.levels()[0].height, 1100);
  EXPECT_EQ(slide.levels()[3].width, 187);
  EXPECT_EQ(slide.levels()[3].height, 137);
  EXPECT_EQ(slide.mppSource(), MppSource::TiffResolution);
  EXPECT_NEAR(slide.mppX(), 16.0, 1e-4);
  EXPECT_NEAR(slide.mppY(), 16.0, 1e-4);
  // JPEG Q 90 keeps a smooth image close.
  const RgbImage back = slide.readRegion(0, 0, 0, 1500, 1100);
  double total = 0;
  for (size_t i = 0; i < back.pixels.size(); ++i) total += std::abs(back.pixels[i] - image.pixels[i]);
  EXPECT_LT(total / static_cast<double>(back.pixels.size()), 2.0);

  const std::string unknown = (dir / "no_mpp.tif").string();
  writePyramidalTiff(pattern(300, 200), unknown, 0);
  EXPECT_EQ(Slide(unknown).mppSource(), MppSource::Unknown);
  EXPECT_THROW(writePyramidalTiff(image, path, -1), std::invalid_argument);
}

TEST(Exports, PatchGeoJsonIsQuPathFeatureCollection) {
  const krait::test::TempDir dir;
  PatchExport what;
  what.columns = {{"p_tumour", {0.9f, 0.2f, 0.5f}}};
  what.classes = {{"Tumor", {200, 0, 0}}, {"Stroma", {150, 200, 150}}};
  what.classOf = {0, -1, 1};
  const std::string path = (dir / "patches.geojson").string();
  writePatchGeoJson(threePatches(), what, path);
  const Json doc = loadJson(path);
  EXPECT_EQ(doc["type"], "FeatureCollection");
  ASSERT_EQ(doc["features"].size(), 3u);
  const Json& first = doc["features"][0];
  EXPECT_EQ(first["type"], "Feature");
  EXPECT_EQ(first["geometry"]["type"], "Polygon");
  EXPECT_EQ(first["geometry"]["coordinates"], Json::parse("[[[0,0],[512,0],[512,512],[0,512],[0,0]]]"));
  EXPECT_EQ(first["properties"]["objectType"], "tile");
  EXPECT_EQ(first["properties"]["classification"], Json::parse(R"({"name":"Tumor","color":[200,0,0]})"));
  EXPECT_EQ(first["properties"]["measurements"], Json::parse(R"({"attention":0.25,"p_tumour":0.9})"));
  EXPECT_FALSE(doc["features"][1]["properties"].contains("classification"));
  EXPECT_EQ(doc["features"][1]["properties"]["measurements"]["attention"].get<double>(), 0.1);  // not 0.10000000149
  const Json& third = doc["features"][2];
  EXPECT_EQ(third["geometry"]["coordinates"][0][2], Json::parse("[1536,2560]"));
  EXPECT_FALSE(third["properties"]["measurements"].contains("attention"));  // NaN: left out
  EXPECT_EQ(third["properties"]["classification"]["name"], "Stroma");

  what.objectType = "annotation";
  EXPECT_THROW(writePatchGeoJson(threePatches(), what, path), std::invalid_argument);
  what.objectType = "detection";
  what.classOf = {0, 2, 1};
  EXPECT_THROW(writePatchGeoJson(threePatches(), what, path), std::invalid_argument);
  what.classOf.clear();
  what.columns[0].values.pop_back();
  EXPECT_THROW(writePatchGeoJson(threePatches(), what, path), std::invalid_argument);
}

TEST(Exports, PatchCsv) {
  const krait::test::TempDir dir;
  PatchExport what;
  what.scoreName = "attention";
  what.columns = {{"p,odd \"name\"", {0.9f, 1e-07f, -0.5f}}};
  what.classes = {{"Tumor", {200, 0, 0}}};
  what.classOf = {0, -1, 0};
  const std::string path = (dir / "patches.csv").string();
  writePatchCsv(threePatches(), what, path);
  EXPECT_EQ(krait::test::fileBytes(path),
            "x,y,size,attention,\"p,odd \"\"name\"\"\",class\n"
            "0,0,512,0.25,0.9,Tumor\n"
            "512,0,512,0.1,1e-07,\n"
            "1024,2048,512,NaN,-0.5,Tumor\n");
  writePatchCsv(PatchLayer{{{3, 4}}, 8, {}}, PatchExport{}, path);
  EXPECT_EQ(krait::test::fileBytes(path), "x,y,size\n3,4,8\n");
}

TEST(Exports, TissueGeoJsonRoundTrip) {
  const krait::test::TempDir dir;
  const std::vector<TissueRegion> tissue = {
      {{{10, 20}, {400.5, 25}, {380, 300}, {15, 290}},
       {{{100, 100}, {150, 100}, {125, 140}}, {{200, 200}, {220, 200}, {210, 230}}}},
      {{{500, 500}, {600, 500}, {600, 620}}, {}},
  };
  const std::string path = (dir / "tissue.geojson").string();
  writeTissueGeoJson(tissue, path);
  const Json doc = loadJson(path);
  ASSERT_EQ(doc["features"].size(), 2u);
  EXPECT_EQ(doc["features"][0]["properties"]["objectType"], "annotation");
  const Json& rings = doc["features"][0]["geometry"]["coordinates"];
  ASSERT_EQ(rings.size(), 3u);  // outer, two holes
  EXPECT_EQ(rings[0].size(), 5u);
  EXPECT_EQ(rings[0].front(), rings[0].back());  // closed

  const auto back = readTissueGeoJson(path);
  ASSERT_EQ(back.size(), tissue.size());
  for (size_t i = 0; i < tissue.size(); ++i) {
    EXPECT_EQ(back[i].outer, tissue[i].outer);
    EXPECT_EQ(back[i].holes, tissue[i].holes);
  }
}

TEST(Exports, ReadsQuPathFeatureArraysAndMultiPolygons) {
  const krait::test::TempDir dir;
  const std::string path = (dir / "qupath.geojson").string();
  std::ofstream(path) << R"([{"type":"Feature","id":"4d6f8c5e-0000-4000-8000-000000000000",
    "geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[10,0],[10,10],[0,0]]],[[[20,20],[30,20],[30,30],[20,20]]]]},
    "properties":{"objectType":"annotation","classification":{"name":"Tumor","color":[200,0,0]}}}])";
  const auto tissue = readTissueGeoJson(path);
  ASSERT_EQ(tissue.size(), 2u);
  EXPECT_EQ(tissue[1].outer, (Ring{{20, 20}, {30, 20}, {30, 30}}));
  // A lone Feature; a line or point a user drew is no tissue and is skipped.
  std::ofstream(path) << R"({"type":"FeatureCollection","features":[
    {"type":"Feature","geometry":{"type":"LineString","coordinates":[[0,0],[5,5]]},"properties":{}},
    {"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[1,1],[4,1],[4,4],[1,1]]]},"properties":{}}]})";
  EXPECT_EQ(readTissueGeoJson(path).size(), 1u);
  std::ofstream(path) << R"({"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[1,1],[4,1],[4,4]]]}})";
  EXPECT_EQ(readTissueGeoJson(path).at(0).outer, (Ring{{1, 1}, {4, 1}, {4, 4}}));
  writeTissueGeoJson({}, path);
  EXPECT_TRUE(readTissueGeoJson(path).empty());
}

TEST(Exports, BadTissueGeoJsonNamesTheFile) {
  const krait::test::TempDir dir;
  const auto failure = [](const std::string& path) {
    try {
      readTissueGeoJson(path);
    } catch (const SlideError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string notJson = (dir / "broken.geojson").string();
  std::ofstream(notJson) << "{\"type\": \"FeatureCollection\", ";
  EXPECT_NE(failure(notJson).find(notJson + ": is not JSON"), std::string::npos) << failure(notJson);
  const std::string noGeometry = (dir / "nogeometry.geojson").string();
  std::ofstream(noGeometry) << R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{}}]})";
  EXPECT_NE(failure(noGeometry).find(noGeometry + ": feature 0 has no geometry"), std::string::npos)
      << failure(noGeometry);
  const std::string twoPoints = (dir / "short.geojson").string();
  std::ofstream(twoPoints) << R"({"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[0,0]]]}})";
  EXPECT_NE(failure(twoPoints).find("fewer than 3 points"), std::string::npos) << failure(twoPoints);
  const std::string wrongType = (dir / "type.geojson").string();
  std::ofstream(wrongType) << R"({"type":"Feature","geometry":{"type":7,"coordinates":[]}})";
  EXPECT_NE(failure(wrongType).find(wrongType + ": "), std::string::npos) << failure(wrongType);
  EXPECT_NE(failure((dir / "missing.geojson").string()).find("missing.geojson: cannot be opened"), std::string::npos);
}

// Every writer, on a path it cannot write: the error names the path, and no file (partial or final) is left.
TEST(Exports, FailedWritesNameThePathAndLeaveNothing) {
  const krait::test::TempDir dir;
  std::ofstream(dir / "a_file") << "x";
  fs::create_directory(dir / "taken");  // a folder where the file should go: written, then cannot be renamed
  const RgbImage image = pattern(300, 300);
  const PatchLayer patches = threePatches();
  const std::vector<std::function<void(const std::string&)>> writers = {
      [&](const std::string& p) { writePng(image, p); },
      [&](const std::string& p) { writePyramidalTiff(image, p, 0.5); },
      [&](const std::string& p) { writePatchGeoJson(patches, PatchExport{}, p); },
      [&](const std::string& p) { writePatchCsv(patches, PatchExport{}, p); },
      [&](const std::string& p) {
        writeTissueGeoJson({{{{0, 0}, {1, 0}, {1, 1}}, {}}}, p);
      },
  };
  for (const std::string& path :
       {(dir / "no_such_folder" / "out").string(), (dir / "a_file" / "out").string(), (dir / "taken").string()}) {
    for (size_t w = 0; w < writers.size(); ++w) {
      try {
        writers[w](path);
        ADD_FAILURE() << "writer " << w << " wrote " << path;
      } catch (const SlideError& e) {
        EXPECT_EQ(e.path(), path) << "writer " << w;
        EXPECT_EQ(std::string(e.what()).rfind(path + ": ", 0), 0u) << e.what();
      }
      EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"a_file", "taken"})) << "writer " << w << " on " << path;
      EXPECT_TRUE(fs::is_empty(dir / "taken"));
    }
  }
}

TEST(Exports, ReplacesAnExistingFileWhole) {
  const krait::test::TempDir dir;
  const std::string path = (dir / "patches.csv").string();
  std::ofstream(path) << std::string(10000, 'z');
  writePatchCsv(PatchLayer{{{1, 2}}, 4, {0.5f}}, PatchExport{}, path);
  EXPECT_EQ(krait::test::fileBytes(path), "x,y,size,attention\n1,2,4,0.5\n");
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"patches.csv"});
}

TEST(Exports, FloatText) {
  EXPECT_EQ(floatText(0.1f), "0.1");
  EXPECT_EQ(floatText(1e-05f), "1e-05");
  EXPECT_EQ(floatText(-2.5f), "-2.5");
  EXPECT_EQ(floatText(std::nanf("")), "NaN");
  EXPECT_EQ(floatText(-INFINITY), "-inf");
}

}  // namespace
}  // namespace krait::wsi
