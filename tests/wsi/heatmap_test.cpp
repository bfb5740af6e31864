// Heatmaps, percentiles, colour maps and top-k patches against CLAM's own visHeatmap, scipy and matplotlib: goldens
// in tests/fixtures/wsi/heatmap (make_heatmap_goldens.py ran CLAM on a slide cut from the catalogue's ihc.png; the
// colour tables come from make_colormap_tables.py). The slide is rebuilt here with the libvips C API as the script
// built it with the vips CLI: same libvips, libjpeg and OpenSlide, so the same pixels.
#include "heatmap.h"

#include <gtest/gtest.h>
#include <vips/vips.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "colormap.h"
#include "exports.h"
#include "slide.h"
#include "testdata.h"

namespace krait::wsi {
namespace {

using Json = nlohmann::json;

const Json& goldens() {
  static const Json cases = [] {
    const std::string path = std::string(KRAIT_FIXTURES) + "/wsi/heatmap/cases.json";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path + " (written by make_heatmap_goldens.py)");
    return Json::parse(in);
  }();
  return cases;
}

void startVips() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (VIPS_INIT("krait-tests")) throw std::runtime_error("libvips cannot start");
  });
}

[[noreturn]] void vipsFailed(const std::string& what) {
  const std::string why = vips_error_buffer();
  vips_error_clear();
  throw std::runtime_error(what + ": " + why);
}

RgbImage loadPng(const std::string& path) {
  startVips();
  VipsImage* image = vips_image_new_from_file(path.c_str(), nullptr);
  if (!image) vipsFailed(path);
  size_t size = 0;
  void* memory = vips_image_write_to_memory(image, &size);
  RgbImage out{vips_image_get_width(image), vips_image_get_height(image), {}};
  const int bands = vips_image_get_bands(image);
  g_object_unref(image);
  if (!memory) vipsFailed(path);
  out.pixels.assign(static_cast<uint8_t*>(memory), static_cast<uint8_t*>(memory) + size);
  g_free(memory);
  if (bands != 3) throw std::runtime_error(path + " is not RGB");
  return out;
}

// The goldens' slide, as make_heatmap_goldens.py's `vips extract_area` + `vips tiffsave`; built once per process.
std::string goldenSlide() {
  static std::once_flag once;
  static std::string path;
  std::call_once(once, [] {
    startVips();
    static const auto folder =
        std::filesystem::temp_directory_path() / ("krait-heatmap-tests-" + std::to_string(getpid()));
    std::filesystem::create_directories(folder);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(folder, ec);
    });
    const Json& slide = goldens()["slide"];
    const std::string source = krait::test::testData(slide["source"].get<std::string>()).string();
    path = (folder / "ihc_crop.tif").string();
    VipsImage* png = vips_image_new_from_file(source.c_str(), nullptr);
    if (!png) vipsFailed(source);
    VipsImage* crop = nullptr;
    const Json& c = slide["crop"];
    const int cropped = vips_extract_area(png, &crop, c["left"].get<int>(), c["top"].get<int>(), c["width"].get<int>(),
                                          c["height"].get<int>(), nullptr);
    g_object_unref(png);
    if (cropped) vipsFailed(source);
    const Json& t = slide["tiff"];
    const double pxPerMm = t["px_per_mm"];
    const int failed =
        vips_tiffsave(crop, path.c_str(), "tile", TRUE, "pyramid", TRUE, "tile_width", t["tile"].get<int>(),
                      "tile_height", t["tile"].get<int>(), "compression", VIPS_FOREIGN_TIFF_COMPRESSION_JPEG, "Q",
                      t["Q"].get<int>(), "xres", pxPerMm, "yres", pxPerMm, nullptr);
    g_object_unref(crop);
    if (failed) vipsFailed(path);
  });
  return path;
}

std::vector<TissueRegion> goldenTissue() {
  const auto ring = [](const Json& points) {
    Ring out;
    for (const Json& p : points) out.push_back({p[0].get<double>(), p[1].get<double>()});
    return out;
  };
  std::vector<TissueRegion> tissue;
  for (const Json& region : goldens()["tissue"]) {
    tissue.push_back({ring(region["outer"]), {}});
    for (const Json& hole : region["holes"]) tissue.back().holes.push_back(ring(hole));
  }
  return tissue;
}

HeatmapOptions optionsOf(const Json& args) {
  HeatmapOptions o;
  o.visLevel = args["vis_level"];
  o.alpha = args["alpha"];
  o.blankCanvas = args["blank_canvas"];
  o.blur = args["blur"];
  o.overlap = args["overlap"];
  o.segment = args["segment"];
  o.useHoles = args["use_holes"];
  o.convertToPercentiles = args["convert_to_percentiles"];
  o.binarize = args["binarize"];
  o.threshold = args["thresh"];
  o.maxSize = args["max_size"].is_null() ? 0 : args["max_size"].get<int>();
  o.customDownsample = args["custom_downsample"];
  o.colormap = colormapFromName(args["cmap"].get<std::string>()).value();
  return o;
}

PatchLayer layerOf(const Json& c) {
  PatchLayer layer;
  layer.size = c["patch_size"];
  for (const Json& xy : c["coords"]) layer.coords.push_back({xy[0].get<int64_t>(), xy[1].get<int64_t>()});
  for (const Json& s : c["scores"]) layer.scores.push_back(static_cast<float>(s.get<double>()));
  return layer;
}

class ClamHeatmap : public testing::TestWithParam<int> {};

TEST_P(ClamHeatmap, MatchesVisHeatmap) {
  const Json& c = goldens()["cases"][GetParam()];
  SCOPED_TRACE(c["name"].get<std::string>());
  const Slide slide(goldenSlide());
  const RgbImage image = renderHeatmap(slide, layerOf(c), goldenTissue(), optionsOf(c["args"]));
  const RgbImage golden = loadPng(std::string(KRAIT_FIXTURES) + "/wsi/heatmap/" + c["image"].get<std::string>());
  ASSERT_EQ(image.width, golden.width);
  ASSERT_EQ(image.height, golden.height);
  int maxDiff = 0;
  size_t differing = 0;
  for (size_t i = 0; i < image.pixels.size(); ++i) {
    const int d = std::abs(image.pixels[i] - golden.pixels[i]);
    maxDiff = std::max(maxDiff, d);
    differing += d != 0;
  }
  RecordProperty("max_difference", maxDiff);
  RecordProperty("differing_samples", static_cast<int>(differing));
  // The same arithmetic on the same libraries: expected identical; one level of slack for a platform's rounding.
  EXPECT_LE(maxDiff, 1) << differing << " of " << image.pixels.size() << " samples differ";
  EXPECT_LE(differing, image.pixels.size() / 1000) << "max difference " << maxDiff;
}

// Named by case; the count is checked against cases.json below.
INSTANTIATE_TEST_SUITE_P(Goldens, ClamHeatmap, testing::Range(0, 5), [](const testing::TestParamInfo<int>& param) {
  return goldens()["cases"][param.param]["name"].get<std::string>();
});

TEST(Heatmap, GoldenCasesAreAllTested) { EXPECT_EQ(goldens()["cases"].size(), 5u); }

TEST(Heatmap, RejectsScoresThatDoNotMatchPatches) {
  const Slide slide(goldenSlide());
  PatchLayer layer{{{0, 0}, {64, 0}}, 64, {0.5f}};
  EXPECT_THROW(renderHeatmap(slide, layer, {}, {}), std::invalid_argument);
  layer.scores.push_back(0.25f);
  HeatmapOptions pastLastLevel;
  pastLastLevel.visLevel = static_cast<int>(slide.levels().size());
  EXPECT_THROW(renderHeatmap(slide, layer, {}, pastLastLevel), std::invalid_argument);
}

TEST(Heatmap, NanScoresAreLeftOut) {
  // A NaN patch neither colours nor counts: its neighbour's colour is unchanged by it.
  const Slide slide(goldenSlide());
  HeatmapOptions options;
  options.segment = false, options.alpha = 1.0, options.visLevel = 2, options.colormap = Colormap::Jet;
  const PatchLayer alone{{{0, 0}}, 64, {50.0f}};
  const PatchLayer withNan{
      {{0, 0}, {0, 0}, {64, 64}}, 64, {50.0f, std::numeric_limits<float>::quiet_NaN(), std::nanf("")}};
  EXPECT_EQ(renderHeatmap(slide, alone, {}, options).pixels, renderHeatmap(slide, withNan, {}, options).pixels);
}

TEST(Percentiles, RanksMatchScipyRankdata) {
  const Json& g = goldens()["ranks"];
  const std::vector<float> scores = g["scores"].get<std::vector<float>>();
  const std::vector<double> expected = g["ranks"].get<std::vector<double>>();
  const std::vector<double> ranks = percentileRanks(scores);
  ASSERT_EQ(ranks.size(), expected.size());
  for (size_t i = 0; i < ranks.size(); ++i) EXPECT_EQ(ranks[i], expected[i]) << i;
}

TEST(Percentiles, NanIsNotRanked) {
  const auto ranks = percentileRanks({0.5f, std::nanf(""), 0.1f});
  EXPECT_EQ(ranks[0], 100.0);
  EXPECT_TRUE(std::isnan(ranks[1]));
  EXPECT_EQ(ranks[2], 50.0);
}

TEST(Percentiles, AgainstReferenceMatchScipyPercentileofscore) {
  const Json& g = goldens()["ranks"];
  const auto got = percentilesAgainst(g["reference"].get<std::vector<float>>(), g["probes"].get<std::vector<float>>());
  const auto expected = g["percentiles"].get<std::vector<float>>();
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], expected[i]) << i;
  EXPECT_TRUE(std::isnan(percentilesAgainst({}, {0.5f})[0]));
}

TEST(Colormaps, MatchMatplotlibAsClamReadsIt) {
  const Json& g = goldens()["colormaps"];
  const auto values = g["values"].get<std::vector<double>>();
  for (const Colormap map : {Colormap::Jet, Colormap::Coolwarm, Colormap::Viridis}) {
    const Json& expected = g[colormapName(map)];
    for (size_t i = 0; i < values.size(); ++i) {
      const Rgb got = colormapColor(map, values[i]);
      EXPECT_EQ((std::vector<int>{got[0], got[1], got[2]}), expected[i].get<std::vector<int>>())
          << colormapName(map) << " at " << values[i];
    }
  }
  EXPECT_EQ(colormapColor(Colormap::Viridis, std::nan("")), (Rgb{0, 0, 0}));
  EXPECT_FALSE(colormapFromName("magma"));
}

TEST(Colormaps, KnownEnds) {
  // jet runs from dark blue to dark red, coolwarm from blue to red; matplotlib's values times 255, truncated.
  EXPECT_EQ(colormapTable(Colormap::Jet).front(), (Rgb{0, 0, 127}));
  EXPECT_EQ(colormapTable(Colormap::Jet).back(), (Rgb{127, 0, 0}));
  EXPECT_EQ(colormapTable(Colormap::Coolwarm).front(), (Rgb{58, 76, 192}));
  EXPECT_EQ(colormapTable(Colormap::Viridis).front(), (Rgb{68, 1, 84}));
}

TEST(TopK, HighestAndLowestKeepPatchOrderOnTiesAndSkipNan) {
  PatchLayer layer;
  layer.size = 64;
  layer.scores = {0.2f, 0.9f, std::nanf(""), 0.9f, 0.1f, 0.5f};
  layer.coords.resize(layer.scores.size());
  EXPECT_EQ(topK(layer, 3, true), (std::vector<size_t>{1, 3, 5}));
  EXPECT_EQ(topK(layer, 2, false), (std::vector<size_t>{4, 0}));
  EXPECT_EQ(topK(layer, 10, true).size(), 5u);
}

TEST(TopK, SavesPatchesAsClamReadsThem) {
  const Slide slide(goldenSlide());
  const PatchLayer layer{{{0, 0}, {128, 64}, {256, 320}}, 64, {0.25f, 0.75f, 1e-05f}};
  const krait::test::TempDir dir;
  const std::string folder = (dir / "topk").string();  // created by saveTopKPatches
  const auto paths = saveTopKPatches(slide, layer, topK(layer, 2, true), 0, 64, folder);
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(std::filesystem::path(paths[0]).filename(), "0_x128_y64_s0.75.png");
  EXPECT_EQ(std::filesystem::path(paths[1]).filename(), "1_x0_y0_s0.25.png");
  EXPECT_EQ(loadPng(paths[0]).pixels, slide.readRegion(128, 64, 0, 64, 64).pixels);
  const auto small = saveTopKPatches(slide, layer, {2}, 1, 32, folder);
  EXPECT_EQ(std::filesystem::path(small[0]).filename(), "0_x256_y320_s1e-05.png");
  EXPECT_EQ(loadPng(small[0]).width, 32);
  EXPECT_THROW(saveTopKPatches(slide, layer, {3}, 0, 64, folder), std::out_of_range);
}

}  // namespace
}  // namespace krait::wsi
