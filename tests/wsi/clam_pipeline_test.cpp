// Tissue segmentation, the patch grid and CLAM's HDF5 files against CLAM itself: goldens that CLAM's own
// create_patches_fp.py and save_hdf5 wrote for the recipe slide (tests/fixtures/wsi/make_clam_fixtures.py).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "clam_h5.h"
#include "patch_grid.h"
#include "slide.h"
#include "test_slide.h"
#include "testdata.h"
#include "tissue.h"

namespace krait::wsi {
namespace {

nlohmann::json fixture(const std::string& name) {
  std::ifstream in(std::string(KRAIT_FIXTURES) + "/wsi/clam/" + name);
  return nlohmann::json::parse(in);
}

SegmentationParams paramsOf(const nlohmann::json& kwargs) {
  SegmentationParams p;
  p.segLevel = kwargs["seg_level"];
  p.sthresh = kwargs["sthresh"];
  p.mthresh = kwargs["mthresh"];
  p.close = kwargs["close"];
  p.useOtsu = kwargs["use_otsu"];
  p.areaTissue = kwargs["filter_params"]["a_t"];
  p.areaHole = kwargs["filter_params"]["a_h"];
  p.maxHoles = kwargs["filter_params"]["max_n_holes"];
  return p;
}

std::vector<std::vector<int64_t>> flat(const Ring& ring) {
  std::vector<std::vector<int64_t>> out;
  for (const Point& p : ring) out.push_back({static_cast<int64_t>(p[0]), static_cast<int64_t>(p[1])});
  return out;
}

class ClamPipeline : public ::testing::TestWithParam<std::string> {};

TEST_P(ClamPipeline, SegmentationAndGridAreClams) {
  const nlohmann::json seg = fixture("seg_" + GetParam() + ".json");
  const nlohmann::json coords = fixture("coords_" + GetParam() + ".json");
  const Slide slide(test::recipeSlide());
  const Segmentation s = segmentTissue(slide, paramsOf(seg["segmentTissue_kwargs"]));
  EXPECT_EQ(s.level, seg["segmentTissue_kwargs"]["seg_level"].get<int>());
  ASSERT_EQ(s.regions.size(), seg["contours_tissue"].size());
  for (size_t i = 0; i < s.regions.size(); ++i) {
    SCOPED_TRACE("region " + std::to_string(i));
    EXPECT_EQ(flat(s.regions[i].outer), seg["contours_tissue"][i].get<std::vector<std::vector<int64_t>>>());
    ASSERT_EQ(s.regions[i].holes.size(), seg["holes_tissue"][i].size());
    for (size_t h = 0; h < s.regions[i].holes.size(); ++h)
      EXPECT_EQ(flat(s.regions[i].holes[h]), seg["holes_tissue"][i][h].get<std::vector<std::vector<int64_t>>>());
  }
  const auto grid = patchGrid(slide, s.regions, geometryAtLevel(slide, coords["patch_level"], coords["patch_size"], coords["patch_size"]));
  std::vector<std::vector<int64_t>> got;
  for (const auto& c : grid) got.push_back({c[0], c[1]});
  EXPECT_EQ(got, coords["coords"].get<std::vector<std::vector<int64_t>>>());
}

INSTANTIATE_TEST_SUITE_P(Cases, ClamPipeline, ::testing::Values("default", "tcga", "otsu", "default_exact"));

TEST(ClamFiles, ReadsClamsPatchFileAndWritesTheSameLayout) {
  const PatchFile clam = readPatchFile(std::string(KRAIT_FIXTURES) + "/wsi/clam/patches_default.h5");
  EXPECT_EQ(clam.coords.size(), 16u);
  EXPECT_EQ(clam.coords[0], (std::array<int64_t, 2>{1112, 1032}));
  EXPECT_EQ(clam.patchSize, 256);
  EXPECT_EQ(clam.patchLevel, 0);
  EXPECT_EQ(clam.levelDim, (std::array<int64_t, 2>{2048, 1536}));
  EXPECT_EQ(clam.name, "test_slide");
  EXPECT_EQ(clam.level0Size, 256);  // CLAM's file has no Krait attribute: patch_size x int(downsample)

  const auto path = std::filesystem::temp_directory_path() / "krait-wsi-patches.h5";
  PatchFile mine = clam;
  mine.targetMpp = 0.5;
  writePatchFile(path.string(), mine);
  const PatchFile back = readPatchFile(path.string());
  EXPECT_EQ(back.coords, clam.coords);
  EXPECT_EQ(back.name, clam.name);
  EXPECT_EQ(back.savePath, clam.savePath);
  EXPECT_DOUBLE_EQ(back.targetMpp, 0.5);
  std::filesystem::remove(path);
}

TEST(ClamFiles, ReadsClamsFeatureFileAndRoundTrips) {
  const FeatureFile clam = readFeatureFile(std::string(KRAIT_FIXTURES) + "/wsi/clam/features_default.h5");
  ASSERT_EQ(clam.count, 16);
  ASSERT_EQ(clam.dim, 1024);
  EXPECT_EQ(clam.coords[1], (std::array<int64_t, 2>{312, 968}));
  const auto path = std::filesystem::temp_directory_path() / "krait-wsi-features.h5";
  writeFeatureFile(path.string(), clam);
  const FeatureFile back = readFeatureFile(path.string());
  EXPECT_EQ(back.features, clam.features);
  EXPECT_EQ(back.coords, clam.coords);
  std::filesystem::remove(path);
}

TEST(ClamFiles, BadFilesAreNamedErrors) {
  const std::string patches = std::string(KRAIT_FIXTURES) + "/wsi/clam/patches_default.h5";
  EXPECT_THROW(readFeatureFile(patches), SlideError);  // no 'features'
  try {
    readPatchFile(std::string(KRAIT_FIXTURES) + "/wsi/slide_recipe.json");
    FAIL();
  } catch (const SlideError& e) {
    EXPECT_NE(std::string(e.what()).find("not an HDF5 file"), std::string::npos) << e.what();
  }
  EXPECT_THROW(writeFeatureFile("/nonexistent-folder/x.h5", FeatureFile{}), SlideError);
  EXPECT_FALSE(std::filesystem::exists("/nonexistent-folder"));
}

TEST(Slide, GeometryAndPixelSizeOfTheRecipeSlide) {
  const Slide slide(test::recipeSlide());
  EXPECT_EQ(slide.vendor(), "generic-tiff");
  ASSERT_EQ(slide.levels().size(), 4u);
  EXPECT_EQ(slide.width(), 2048);
  EXPECT_DOUBLE_EQ(slide.levels()[3].downsample, 8);
  EXPECT_NEAR(slide.mppX(), 0.5, 1e-9);
  EXPECT_EQ(slide.mppSource(), MppSource::TiffResolution);
  EXPECT_EQ(slide.bestLevelForDownsample(64), 3);
  EXPECT_NEAR(Slide(test::recipeSlide(), 0.25).mppX(), 0.25, 1e-12);
  // Krait's spacing: 256 px at 1.0 µm/px is a 512-px level-0 patch read at level 1.
  const PatchGeometry g = geometryAtSpacing(slide, 1.0, 256, 0);
  EXPECT_EQ(g.level, 1);
  EXPECT_EQ(g.readSize, 256);
  EXPECT_EQ(g.level0Size, 512);
}

TEST(Slide, BrokenFilesAreNamedErrors) {
  const auto dir = std::filesystem::temp_directory_path() / "krait-wsi-broken";
  std::filesystem::create_directories(dir);
  // A truncated slide: OpenSlide opens the header, or refuses; either way a SlideError naming the file.
  std::ifstream in(test::recipeSlide(), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto truncated = dir / "truncated.tif";
  std::ofstream(truncated, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 3));
  try {
    const Slide slide(truncated.string());
    // Opened from its header: reading the lost tiles must fail, name the file, and leave the handle usable.
    EXPECT_THROW(slide.readRegion(0, 1024, 0, 1024, 512), SlideError);
    EXPECT_NO_THROW(slide.readRegion(0, 0, 3, 64, 64));
  } catch (const SlideError& e) {
    EXPECT_NE(std::string(e.what()).find("truncated.tif"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Slide(krait::test::testData("wsi-histology/ihc.png").string()), SlideError);
  EXPECT_THROW(Slide((dir / "missing.svs").string()), SlideError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace krait::wsi
