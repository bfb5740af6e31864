// The pipeline's stages against the official nnU-Net / scipy / skimage functions on small arrays
// (tests/fixtures/pipeline_units, written by make_pipeline_unit_fixtures.py).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <fstream>

#include "krait/base/error.h"
#include "krait/pipeline/nonzero_crop.h"
#include "krait/pipeline/normalization.h"
#include "krait/pipeline/preprocess.h"
#include "krait/pipeline/resample.h"
#include "krait/pipeline/sliding_window.h"
#include "npy.h"

namespace {

const std::filesystem::path kDir = std::filesystem::path(KRAIT_FIXTURES) / "pipeline_units";

torch::Tensor fixture(const std::string& name) { return krait::test::readNpy(kDir / (name + ".npy")); }

nlohmann::json meta() {
  std::ifstream in(kDir / "meta.json");
  return nlohmann::json::parse(in);
}

double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

TEST(Resize, MatchesSkimageResizeForEveryOrder) {
  const torch::Tensor in = fixture("resize_in3d");
  for (int order : {0, 1, 3}) {
    const torch::Tensor expected = fixture("resize3d_o" + std::to_string(order));
    EXPECT_LT(maxAbsDiff(krait::resizeArray(in, {5, 13, 8}, order), expected), 1e-12) << "order " << order;
  }
  const torch::Tensor expected2d = fixture("resize2d_o3");
  EXPECT_LT(maxAbsDiff(krait::resizeArray(fixture("resize_in2d"), {23, 4}, 3), expected2d), 1e-9);
}

TEST(Resample, MatchesNnunetIncludingTheSeparateZRule) {
  const torch::Tensor in = fixture("resample_in");
  const auto m = meta();
  for (const char* name : {"iso", "separate_z", "separate_z_target", "export_order1"}) {
    const auto& c = m.at(name);
    krait::ResamplingOptions o;
    o.order = c.at("order");
    o.orderZ = c.at("order_z");
    const auto shape = c.at("shape").get<std::vector<int64_t>>();
    const torch::Tensor out = krait::resampleToShape(in, shape, c.at("current_spacing").get<std::vector<double>>(),
                                                     c.at("new_spacing").get<std::vector<double>>(), o);
    EXPECT_EQ(out.scalar_type(), torch::kFloat);
    // float32 results of float64 arithmetic: at most one rounding step apart.
    EXPECT_LT(maxAbsDiff(out, fixture(std::string("resample_") + name)), 1e-6) << name;
  }
}

// The tensor ops that data on a GPU takes, run on the CPU: the loops' float64 operations in their order, so the
// same float64 values, bit for bit (data stays float64 here: no rounding to float32 hides a last-bit difference).
TEST(Resample, TensorOpsGiveTheValuesOfTheCpuLoops) {
  struct Case {
    std::vector<int64_t> in, out;
    std::vector<double> from, to;
    int order, orderZ;
  };
  const std::vector<double> iso{1, 1, 1}, thick{4, 0.8, 0.8}, thickX{0.9, 1.0, 5.0};
  const Case cases[] = {
      {{2, 20, 31, 26}, {33, 29, 40}, iso, iso, 3, 0},           // 3D, growing and shrinking
      {{1, 40, 30, 20}, {9, 41, 5}, iso, iso, 2, 0},             // 3D order 2, by large factors
      {{1, 3, 5, 11}, {7, 2, 4}, iso, iso, 3, 0},                // every axis shorter than the 12-voxel pad
      {{1, 6, 1, 9}, {4, 3, 13}, iso, iso, 3, 0},                // a 1-voxel axis grown
      {{1, 1, 9, 14}, {1, 5, 20}, iso, iso, 2, 0},               // a 1-voxel axis kept
      {{3, 9, 14, 11}, {20, 7, 11}, iso, iso, 1, 0},             // order 1 (the export's), no prefilter
      {{1, 12, 37, 30}, {20, 25, 44}, thick, {2, 1, 0.6}, 3, 0}, // separate z, order_z 0
      {{1, 12, 37, 30}, {7, 25, 44}, thick, {2, 1, 0.6}, 3, 3},  // separate z, order_z 3
      {{1, 1, 8, 5}, {3, 8, 9}, thick, {2, 1, 0.6}, 2, 1},       // separate z over one slice
      {{2, 17, 11, 6}, {9, 30, 13}, thickX, iso, 3, 2},          // separate z along x
  };
  torch::manual_seed(11);
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.in) + " to " + ::testing::PrintToString(c.out) + ", order " +
                 std::to_string(c.order) + "/" + std::to_string(c.orderZ));
    const torch::Tensor data = torch::randn(c.in, torch::kDouble) * 100.0;
    const krait::ResamplingOptions o{c.order, c.orderZ, {}, 3.0};
    const torch::Tensor want = krait::resampleToShape(data, c.out, c.from, c.to, o);
    const torch::Tensor got = krait::resampleToShapeWithTensorOps(data, c.out, c.from, c.to, o);
    ASSERT_EQ(got.sizes(), want.sizes());
    EXPECT_TRUE(torch::equal(got, want)) << maxAbsDiff(got, want);
  }
}

TEST(Resample, UnchangedShapeReturnsTheDataItself) {
  const torch::Tensor d = torch::rand({1, 4, 5, 6});
  EXPECT_TRUE(krait::resampleToShape(d, {4, 5, 6}, {1, 1, 1}, {2, 2, 2}, {}).is_same(d));
}

TEST(Resample, NewShapeRoundsHalfToEvenAsPython) {
  EXPECT_EQ(krait::computeNewShape({5, 7, 10}, {1.0, 1.0, 1.0}, {2.0, 1.0, 4.0}), (std::vector<int64_t>{2, 7, 2}));
}

TEST(Resample, RefusesUnsupportedOrders) {
  krait::ResamplingOptions o;
  o.order = 5;
  EXPECT_THROW(krait::resampleToShape(torch::rand({1, 4, 5, 6}), {8, 5, 6}, {1, 1, 1}, {1, 1, 1}, o), std::exception);
}

TEST(SlidingWindow, GaussianMapMatchesNnunet) {
  for (const std::vector<int64_t>& patch : {std::vector<int64_t>{32, 48, 40}, {56, 40}, {7, 9, 6}}) {
    std::string name = "gaussian_";
    for (size_t i = 0; i < patch.size(); ++i) {
      if (i > 0) name += "x";
      name += std::to_string(patch[i]);
    }
    EXPECT_EQ(maxAbsDiff(krait::gaussianImportanceMap(patch), fixture(name)), 0.0) << name;
  }
}

TEST(SlidingWindow, StepsMatchNnunet) {
  for (const auto& [key, c] : meta().at("steps").items()) {
    const auto steps = krait::slidingWindowSteps(c.at("image").get<std::vector<int64_t>>(),
                                                 c.at("tile").get<std::vector<int64_t>>(), c.at("step").get<double>());
    EXPECT_EQ(nlohmann::json(steps), c.at("steps")) << key;
  }
}

TEST(SlidingWindow, ConstantNetworkGivesConstantLogitsOnPaddedImage) {
  // Smaller than the patch along Y: nnU-Net pads, predicts, and crops back. Powers of two times the float16
  // weights are exact in the float16 accumulators, so the logits are the constants exactly, corners included.
  const torch::Tensor data = torch::rand({1, 20, 9, 30});
  krait::SlidingWindowOptions o;
  o.patchSize = {16, 16, 16};
  o.mirrorAxes = {0, 1, 2};
  int calls = 0;
  const torch::Tensor logits = krait::predictSlidingWindow(
      data, 2,
      [&](const torch::Tensor& x) {
        ++calls;
        EXPECT_EQ(x.sizes(), (std::vector<int64_t>{1, 1, 16, 16, 16}));
        return torch::stack({torch::full_like(x[0][0], 1.0), torch::full_like(x[0][0], -2.0)}).unsqueeze(0);
      },
      o);
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{2, 20, 9, 30}));
  EXPECT_TRUE(logits[0].eq(1.0).all().item<bool>());
  EXPECT_TRUE(logits[1].eq(-2.0).all().item<bool>());
  EXPECT_EQ(calls, 2 * 1 * 3 * 8);  // tiles (2, 1, 3) x 8 mirrorings
}

// The warm-up call has the shape of the sliding window's calls: on the CPU the tile batch alone (the mirrored copies
// get calls of their own there). Out of memory is left to the sliding window's fallbacks; any other error is the
// caller's to see.
TEST(SlidingWindow, WarmUpCallsThePredictorOnceWithTheTileBatchsShape) {
  krait::SlidingWindowOptions o;
  o.patchSize = {4, 6, 8};
  o.mirrorAxes = {0, 1, 2};
  o.tileBatch = 3;
  std::vector<std::vector<int64_t>> shapes;
  krait::warmUpPredictor([&](const torch::Tensor& x) {
    shapes.push_back(x.sizes().vec());
    return x;
  }, 2, o);
  EXPECT_EQ(shapes, (std::vector<std::vector<int64_t>>{{3, 2, 4, 6, 8}}));
  const torch::Tensor data = torch::rand({2, 4, 6, 8});
  krait::predictSlidingWindow(data, 2, [&](const torch::Tensor& x) {
    shapes.push_back(x.sizes().vec());
    return x;
  }, o);
  EXPECT_EQ(shapes.at(1), (std::vector<int64_t>{1, 2, 4, 6, 8})) << "one tile: fewer than the tile batch";
  EXPECT_NO_THROW(krait::warmUpPredictor([](const torch::Tensor&) -> torch::Tensor {
    TORCH_CHECK_WITH(OutOfMemoryError, false, "no room");
  }, 2, o));
  EXPECT_THROW(krait::warmUpPredictor([](const torch::Tensor&) -> torch::Tensor {
    throw std::runtime_error("broken network");
  }, 2, o), std::runtime_error);
}

TEST(SlidingWindow, MirroringUndoesTheFlip) {
  // A network that returns its input flipped along X: with mirroring over X the average of
  // flip(x) and flip(flip(flip(x))) is flip(x) again, so the result must equal the flipped input (to float16
  // rounding: a few per cent where the tile's corners weigh in float16 subnormals; a wrong flip is off by ~0.5).
  torch::manual_seed(0);  // the bound depends on the values: the same ones whatever ran before in this process
  const torch::Tensor data = torch::rand({1, 1, 12, 12});
  krait::SlidingWindowOptions o;
  o.patchSize = {12, 12};
  o.mirrorAxes = {1};
  const torch::Tensor logits = krait::predictSlidingWindow(
      data, 1, [](const torch::Tensor& x) { return torch::flip(x, {3}); }, o);
  EXPECT_LT((logits - torch::flip(data, {3})).abs().max().item<double>(), 0.02);
  EXPECT_LT((logits - torch::flip(data, {3})).abs().mean().item<double>(), 1e-3);
}

TEST(SlidingWindow, MirroringWorksWithInferenceTensorsFromTheNetwork) {
  krait::SlidingWindowOptions o;
  o.patchSize = {8, 8, 8};
  o.mirrorAxes = {0, 1, 2};
  const torch::Tensor logits = krait::predictSlidingWindow(
      torch::rand({1, 8, 8, 8}), 1,
      [](const torch::Tensor& x) {
        c10::InferenceMode guard;
        return x * 2.0;
      },
      o);
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{1, 8, 8, 8}));
}

// A network whose every output voxel depends on its position in the tile and on the input: batched calls must
// give what one tile per call gives.
torch::Tensor positionalNetwork(const torch::Tensor& x) {
  const torch::Tensor ramp = torch::arange(x.size(-1), x.options()) / 7.0;
  return torch::cat({x * 2.0 + ramp, torch::sin(x) - ramp}, 1);
}

TEST(SlidingWindow, TileBatchesGiveWhatSingleTilesGive) {
  const torch::Tensor volume = torch::rand({1, 21, 30, 27});
  for (const std::vector<int64_t>& patch : {std::vector<int64_t>{8, 16, 16}, std::vector<int64_t>{16, 16}}) {
    krait::SlidingWindowOptions o;
    o.patchSize = patch;
    o.mirrorAxes = {0, 1};
    const torch::Tensor want = krait::predictSlidingWindow(volume, 2, positionalNetwork, o);
    for (const int64_t batch : {2, 3, 64}) {
      o.tileBatch = batch;
      int64_t largest = 0;
      const torch::Tensor got = krait::predictSlidingWindow(
          volume, 2,
          [&](const torch::Tensor& x) {
            largest = std::max(largest, x.size(0));
            return positionalNetwork(x);
          },
          o);
      EXPECT_TRUE(torch::allclose(got, want, 1e-6, 1e-6)) << patch.size() << "D, batch " << batch;
      EXPECT_GT(largest, 1);
    }
  }
}

TEST(SlidingWindow, OutOfMemoryHalvesTheBatchThenGivesAClearError) {
  const torch::Tensor volume = torch::rand({1, 16, 40, 40});
  krait::SlidingWindowOptions o;
  o.patchSize = {16, 16, 16};
  const torch::Tensor want = krait::predictSlidingWindow(volume, 2, positionalNetwork, o);
  o.tileBatch = 8;
  std::vector<int64_t> batches;
  const torch::Tensor got = krait::predictSlidingWindow(
      volume, 2,
      [&](const torch::Tensor& x) {
        batches.push_back(x.size(0));
        TORCH_CHECK_WITH(OutOfMemoryError, x.size(0) <= 2, "CUDA out of memory (simulated)");
        return positionalNetwork(x);
      },
      o);
  EXPECT_TRUE(torch::allclose(got, want, 1e-6, 1e-6));
  ASSERT_GE(batches.size(), 3u);
  EXPECT_EQ(std::vector<int64_t>(batches.begin(), batches.begin() + 3), (std::vector<int64_t>{8, 4, 2}));
  // Out of memory for a single tile, with the logits already on the host (the CPU): a Resources error.
  try {
    krait::predictSlidingWindow(
        volume, 2,
        [](const torch::Tensor&) -> torch::Tensor { TORCH_CHECK_WITH(OutOfMemoryError, false, "out of memory"); },
        o);
    FAIL() << "no error";
  } catch (const krait::Error& e) {
    EXPECT_EQ(e.kind(), krait::ErrorKind::Resources);
    EXPECT_NE(std::string(e.what()).find("16x16x16"), std::string::npos) << e.what();
  }
}

TEST(Normalization, EverySchemeMatchesNnunet) {
  const torch::Tensor in = fixture("norm_in");
  const torch::Tensor mask = in != 0;
  const auto props = meta().at("ct_properties");
  using S = krait::NormalizationScheme;
  const std::vector<std::pair<std::string, krait::ChannelNormalization>> schemes{
      {"ct", {S::CT, false, props.at("mean"), props.at("std"), props.at("percentile_00_5"), props.at("percentile_99_5")}},
      {"zscore", {S::ZScore, false}},
      {"zscore_mask", {S::ZScore, true}},
      {"rescale", {S::RescaleTo01, false}},
      {"rgb", {S::RGBTo01, false}},
      {"none", {S::None, false}}};
  for (const auto& [name, scheme] : schemes) {
    torch::Tensor data = in.clone().unsqueeze(0);
    krait::normalizeChannels(data, mask, {scheme});
    // numpy reduces float32 pairwise, Krait in float64: the means and deviations differ in the last bits.
    EXPECT_LT(maxAbsDiff(data[0], fixture("norm_" + name)), 2e-6) << name;
  }
  torch::Tensor negative = in.clone().unsqueeze(0) - 1.0;
  EXPECT_THROW(krait::normalizeChannels(negative, mask, {{S::RGBTo01, false}}), std::exception);
  EXPECT_THROW(krait::normalizationSchemeFromName("PercentileNormalization"), std::exception);
}

TEST(NonzeroCrop, FillHolesMatchesScipy) {
  const torch::Tensor in = fixture("fill_in").to(torch::kBool);
  EXPECT_TRUE(torch::equal(krait::fillHoles(in), fixture("fill_out").to(torch::kBool)));
}

TEST(NonzeroCrop, BoxIsHalfOpenAndHolesCount) {
  torch::Tensor d = torch::zeros({2, 10, 12, 14});
  d[0].index_put_({torch::indexing::Slice(2, 7), torch::indexing::Slice(3, 9), torch::indexing::Slice(4, 12)}, 1.0);
  d[0][4][5][6] = 0.0;  // a hole inside the object
  d[1][8][1][1] = -3.0;  // another channel widens the box
  const krait::NonzeroCrop c = krait::cropToNonzero(d);
  EXPECT_EQ(c.box.begin, (std::array<int64_t, 3>{2, 1, 1}));
  EXPECT_EQ(c.box.end, (std::array<int64_t, 3>{9, 9, 12}));
  EXPECT_EQ(c.data.sizes(), (std::vector<int64_t>{2, 7, 8, 11}));
  EXPECT_TRUE(c.mask[4 - 2][5 - 1][6 - 1].item<bool>());
  EXPECT_FALSE(c.mask[0][0][0].item<bool>());
}

TEST(NonzeroCrop, EmptyImageKeepsItsExtent) {
  const krait::NonzeroCrop c = krait::cropToNonzero(torch::zeros({1, 3, 4, 5}));
  EXPECT_EQ(c.box.end, (std::array<int64_t, 3>{3, 4, 5}));
}

// A float32 image that needs no transpose and no crop (no zero voxel, as a CT in HU) reaches normalisation,
// which works in place, as the caller's own tensor: preprocess must copy it, not normalise it.
TEST(Preprocess, LeavesTheCallersImageUnchanged) {
  krait::InferencePlan plan;
  plan.targetSpacing = {2.0, 1.0, 1.0};
  plan.channels = {krait::ChannelNormalization{}};
  const torch::Tensor image = torch::rand({1, 6, 7, 8}) + 1.0f, before = image.clone();
  const krait::Preprocessed p = krait::preprocess(image, {1.0, 1.0, 1.0}, plan, torch::kCPU);
  EXPECT_EQ(p.data.sizes(), (std::vector<int64_t>{1, 3, 7, 8}));
  EXPECT_TRUE(torch::equal(image, before));
}

}  // namespace
