// Feature extraction on a real pyramidal TIFF that the test builds from ihc.png with libvips (128-px JPEG tiles,
// 0.5 µm/px, levels 512 / 256 / 128 px): the features equal encoding the same regions read directly, in the
// coordinates' order whatever the threads and batches; cancelling stops; unreadable tiles (a corrupted JPEG tile)
// and non-finite features are left out and reported; the resize matches PIL's.
#include <gtest/gtest.h>
#include <tiffio.h>
#include <torch/torch.h>
#include <vips/vips.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "encoder.h"
#include "feature_extraction.h"
#include "slide.h"
#include "testdata.h"

namespace krait::wsi {
namespace {

using Coords = std::vector<std::array<int64_t, 2>>;

// The per-quadrant mean colour (12-d): cheap, and different for every patch of real tissue.
class QuadrantEncoder : public Encoder {
 public:
  explicit QuadrantEncoder(int64_t size) : Encoder(size, {0.5f, 0.5f, 0.5f}, {0.25f, 0.25f, 0.25f}) {}
  int64_t outDim() const override { return 12; }

 private:
  torch::Tensor forward(const torch::Tensor& x) override { return torch::adaptive_avg_pool2d(x, {2, 2}).flatten(1); }
  void moveNetwork(torch::Device) override {}
};

// log(1 - mean brightness): -infinity for a white (background) patch.
class LogDarknessEncoder : public Encoder {
 public:
  LogDarknessEncoder() : Encoder(32, {0, 0, 0}, {1, 1, 1}) {}
  int64_t outDim() const override { return 1; }

 private:
  torch::Tensor forward(const torch::Tensor& x) override { return torch::log(1 - x.mean({1, 2, 3})).unsqueeze(1); }
  void moveNetwork(torch::Device) override {}
};

class FailingEncoder : public Encoder {
 public:
  FailingEncoder() : Encoder(32, {0, 0, 0}, {1, 1, 1}) {}
  int64_t outDim() const override { return 1; }

 private:
  torch::Tensor forward(const torch::Tensor&) override { throw std::runtime_error("out of GPU memory"); }
  void moveNetwork(torch::Device) override {}
};

std::map<std::string, torch::Tensor> readDict(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::map<std::string, torch::Tensor> dict;
  for (const auto& entry : torch::pickle_load(bytes).toGenericDict())
    dict[entry.key().toStringRef()] = entry.value().toTensor();
  return dict;
}

class FeatureExtraction : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new krait::test::TempDir();
    slidePath_ = (*dir_ / "ihc.tif").string();
    ASSERT_EQ(VIPS_INIT("feature_extraction_test"), 0);
    VipsImage* image = vips_image_new_from_file(krait::test::testData("wsi-histology/ihc.png").c_str(), nullptr);
    ASSERT_NE(image, nullptr) << vips_error_buffer();
    const int saved = vips_tiffsave(image, slidePath_.c_str(), "tile", TRUE, "tile_width", 128, "tile_height", 128,
                                    "pyramid", TRUE, "compression", VIPS_FOREIGN_TIFF_COMPRESSION_JPEG, "Q", 90, "xres",
                                    2000.0, "yres", 2000.0, nullptr);
    g_object_unref(image);
    ASSERT_EQ(saved, 0) << vips_error_buffer();
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  // Each patch read with readRegion and embedded alone: what extractFeatures must reproduce.
  static torch::Tensor direct(const Slide& slide, const Coords& coords, int level, int64_t readSize, Encoder& encoder) {
    std::vector<torch::Tensor> rows;
    for (const auto& c : coords)
      rows.push_back(encoder.embed(
          tileTensor(slide.readRegion(c[0], c[1], level, readSize, readSize), encoder.inputSize()).unsqueeze(0)));
    return torch::cat(rows);
  }

  // A 64-px-step grid of level-0 top-left corners covering the 512 x 512 slide.
  static Coords grid(int64_t step) {
    Coords coords;
    for (int64_t x = 0; x + step <= 512; x += step)  // CLAM's order: x outer, y inner
      for (int64_t y = 0; y + step <= 512; y += step) coords.push_back({x, y});
    return coords;
  }

  static inline krait::test::TempDir* dir_ = nullptr;
  static inline std::string slidePath_;
};

TEST_F(FeatureExtraction, MobileNetFeaturesEqualEncodingTheRegionsReadDirectly) {
  Slide slide(slidePath_);
  ASSERT_EQ(slide.levels().size(), 3u);
  const auto encoder =
      loadEncoder(nsfwjsMobilenetV2Spec(krait::test::testData("models/nsfwjs-mobilenet_v2-tfjs/model.json")), nullptr);
  const Coords coords = {{0, 0}, {200, 100}, {288, 288}};
  const ExtractedFeatures out = extractFeatures(slide, coords, 0, 224, *encoder, 2, 2, {});
  EXPECT_TRUE(out.errors.empty());
  EXPECT_EQ(out.kept, (std::vector<int64_t>{0, 1, 2}));
  ASSERT_EQ(out.features.sizes(), (std::vector<int64_t>{3, 1280}));
  // Read size = input size: no resize, so the reference needs nothing of feature_extraction.cpp.
  std::vector<torch::Tensor> tiles;
  for (const auto& c : coords) {
    RgbImage tile = slide.readRegion(c[0], c[1], 0, 224, 224);
    tiles.push_back(
        torch::from_blob(tile.pixels.data(), {224, 224, 3}, torch::kUInt8).permute({2, 0, 1}).to(torch::kFloat32) /
        255);
  }
  const torch::Tensor expected = encoder->embed(torch::stack(tiles));
  EXPECT_LT((out.features - expected).abs().max().item<double>(), 1e-5 * expected.abs().max().item<double>());
}

TEST_F(FeatureExtraction, OrderIsTheCoordinatesWhateverTheThreadsAndBatches) {
  Slide slide(slidePath_);
  QuadrantEncoder encoder(32);
  const Coords coords = grid(64);  // 64 patches, read at level 1 as 32 px: no resize
  const torch::Tensor expected = direct(slide, coords, 1, 32, encoder);
  ASSERT_GT(torch::cdist(expected, expected).add(torch::eye(64) * 1e9).min().item<double>(), 1e-3);  // all distinct
  for (const auto& [threads, batch] : std::vector<std::pair<int, int64_t>>{{1, 1}, {4, 5}, {3, 64}, {8, 100}}) {
    const ExtractedFeatures out = extractFeatures(slide, coords, 1, 32, encoder, threads, batch, {});
    EXPECT_TRUE(out.errors.empty());
    ASSERT_EQ(out.kept.size(), 64u);
    for (int64_t i = 0; i < 64; ++i) EXPECT_EQ(out.kept[i], i);
    EXPECT_TRUE(torch::equal(out.features, expected)) << threads << " threads, batch " << batch;
  }
}

TEST_F(FeatureExtraction, ResizesToTheEncodersInput) {
  Slide slide(slidePath_);
  QuadrantEncoder encoder(32);
  const Coords coords = grid(128);  // 128 px at level 0 -> 32 px: a 4x antialiased downscale
  const ExtractedFeatures out = extractFeatures(slide, coords, 0, 128, encoder, 2, 3, {});
  EXPECT_TRUE(torch::equal(out.features, direct(slide, coords, 0, 128, encoder)));
  // The downscaled level-0 patch looks like the level-2 patch (libvips' pyramid is a 2x2 box filter per level).
  const torch::Tensor level2 = direct(slide, coords, 2, 32, encoder);
  EXPECT_LT((out.features - level2).abs().max().item<double>(), 0.05);
}

TEST_F(FeatureExtraction, ProgressAndCancel) {
  Slide slide(slidePath_);
  QuadrantEncoder encoder(32);
  std::vector<std::pair<int64_t, int64_t>> calls;
  extractFeatures(slide, grid(64), 1, 32, encoder, 2, 10, [&](int64_t done, int64_t total) {
    calls.emplace_back(done, total);
    return true;
  });
  EXPECT_EQ(calls, (std::vector<std::pair<int64_t, int64_t>>{
                       {10, 64}, {20, 64}, {30, 64}, {40, 64}, {50, 64}, {60, 64}, {64, 64}}));

  calls.clear();
  try {
    extractFeatures(slide, grid(64), 1, 32, encoder, 3, 10, [&](int64_t done, int64_t total) {
      calls.emplace_back(done, total);
      return done < 20;
    });
    FAIL() << "not cancelled";
  } catch (const ExtractionCancelled& e) {
    EXPECT_STREQ(e.what(), "feature extraction cancelled after 20 of 64 patches");
  }
  EXPECT_EQ(calls.size(), 2u);
}

TEST_F(FeatureExtraction, PatchesOutsideTheSlideAreBackgroundAndNonFiniteFeaturesAreDropped) {
  Slide slide(slidePath_);
  // OpenSlide returns transparent pixels past the edge, which Slide fills with white: not a read error.
  const RgbImage outside = slide.readRegion(-10000, -10000, 0, 64, 64);
  EXPECT_EQ(*std::min_element(outside.pixels.begin(), outside.pixels.end()), 255);
  LogDarknessEncoder encoder;  // log(1 - 1) = -inf for white patches
  const Coords coords = {{0, 0}, {-10000, -10000}, {64, 64}, {100000, 5}, {448, 448}};
  const ExtractedFeatures out = extractFeatures(slide, coords, 0, 64, encoder, 2, 2, {});
  EXPECT_EQ(out.kept, (std::vector<int64_t>{0, 2, 4}));
  EXPECT_EQ(out.errors,
            (std::vector<std::string>{"patch 1 at (-10000, -10000): the encoder's features hold NaN or infinity",
                                      "patch 3 at (100000, 5): the encoder's features hold NaN or infinity"}));
  ASSERT_EQ(out.features.size(0), 3);
  EXPECT_TRUE(torch::equal(out.features, direct(slide, {coords[0], coords[2], coords[4]}, 0, 64, encoder)));
}

// The slide with level 0's tile (column 1, row 2) overwritten by zeros: OpenSlide's JPEG decode of it fails.
std::string corruptedCopy(const std::string& path, const std::filesystem::path& dir) {
  const std::string copy = (dir / "corrupt.tif").string();
  std::filesystem::copy_file(path, copy, std::filesystem::copy_options::overwrite_existing);
  TIFF* tiff = TIFFOpen(copy.c_str(), "r");
  uint64_t* offsets = nullptr;
  uint32_t tileWidth = 0;
  TIFFGetField(tiff, TIFFTAG_TILEWIDTH, &tileWidth);
  TIFFGetField(tiff, TIFFTAG_TILEOFFSETS, &offsets);
  const uint32_t tile = TIFFComputeTile(tiff, 128, 256, 0, 0);
  const uint64_t offset = offsets[tile];
  TIFFClose(tiff);
  EXPECT_EQ(tileWidth, 128u);
  std::fstream file(copy, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(static_cast<std::streamoff>(offset));
  const std::string zeros(64, '\0');
  file.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
  return copy;
}

TEST_F(FeatureExtraction, UnreadableTilesAreReportedAndLeftOut) {
  const std::string corrupt = corruptedCopy(slidePath_, dir_->path());
  Slide good(slidePath_), bad(corrupt);
  QuadrantEncoder encoder(32);
  const Coords coords = grid(128);  // x outer: index 4 x + y / 128; the broken tile is (128, 256): index 6
  // One reader: with several, a read that overlaps the failing one can fail too (OpenSlide's handle stays in its
  // error state until Slide reopens it), and then a good patch is reported as unreadable.
  const ExtractedFeatures out = extractFeatures(bad, coords, 0, 128, encoder, 1, 4, {});
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].rfind("patch 6 at (128, 256): " + corrupt + ": ", 0), 0u) << out.errors[0];
  std::vector<int64_t> expectedKept;
  for (int64_t i = 0; i < 16; ++i)
    if (i != 6) expectedKept.push_back(i);
  EXPECT_EQ(out.kept, expectedKept);
  // The other patches are intact: the handle was reopened after the failed read.
  Coords keptCoords;
  for (int64_t i : expectedKept) keptCoords.push_back(coords[i]);
  EXPECT_TRUE(torch::equal(out.features, direct(good, keptCoords, 0, 128, encoder)));
}

TEST_F(FeatureExtraction, RefusesBadArgumentsAndPassesOnEncoderFailures) {
  Slide slide(slidePath_);
  QuadrantEncoder encoder(32);
  EXPECT_THROW(extractFeatures(slide, grid(64), 3, 32, encoder, 2, 8, {}), std::invalid_argument);
  EXPECT_THROW(extractFeatures(slide, grid(64), 0, 0, encoder, 2, 8, {}), std::invalid_argument);
  EXPECT_THROW(extractFeatures(slide, grid(64), 0, 32, encoder, 0, 8, {}), std::invalid_argument);
  EXPECT_THROW(extractFeatures(slide, grid(64), 0, 32, encoder, 2, 0, {}), std::invalid_argument);
  const ExtractedFeatures none = extractFeatures(slide, {}, 0, 32, encoder, 2, 8, {});
  EXPECT_EQ(none.features.sizes(), (std::vector<int64_t>{0, 12}));
  FailingEncoder failing;
  try {
    extractFeatures(slide, grid(64), 0, 32, failing, 4, 8, {});
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "out of GPU memory");
  }
}

TEST(TileTensor, ResizesAsPilDoesForTorchvision) {
  const auto pil = readDict(std::string(KRAIT_FIXTURES) + "/wsi/encoder/pil_resize.pt");
  const torch::Tensor tile = pil.at("tile");
  RgbImage image{tile.size(1), tile.size(0),
                 std::vector<uint8_t>(tile.data_ptr<uint8_t>(), tile.data_ptr<uint8_t>() + tile.numel())};
  for (const char* name : {"down", "up"}) {
    const torch::Tensor expected = pil.at(name).permute({2, 0, 1}).to(torch::kFloat32);
    const torch::Tensor mine = tileTensor(image, expected.size(1)) * 255;
    const torch::Tensor diff = (mine - expected).abs();
    std::cout << "resize " << name << " vs PIL: max " << diff.max().item<double>() << " levels, "
              << 100 * diff.eq(0).to(torch::kFloat64).mean().item<double>() << "% exact\n";
    EXPECT_LE(diff.max().item<double>(), 1.0) << name;
    EXPECT_GT(diff.eq(0).to(torch::kFloat64).mean().item<double>(), 0.99) << name;
  }
  EXPECT_THROW(tileTensor(RgbImage{2, 2, std::vector<uint8_t>(5)}, 4), std::invalid_argument);
}

}  // namespace
}  // namespace krait::wsi
