// nnU-Net's training augmentation against the official code: initial patch sizes from compute_initial_patch_size,
// rotation directions from batchgenerators' augment_spatial, the blur from scipy's gaussian_filter, the deep
// supervision targets from resize_segmentation (order 0), and the properties each transform keeps.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>
#include <random>

#include "krait/base/error.h"
#include "krait/training/augmentation.h"

using namespace krait::training;

namespace {

constexpr double kHalfPi = 1.57079632679489661923;

// The validation transforms: what is left is the centre crop and -1 to 0 (tests switch single transforms on).
AugmentationOptions quiet(std::vector<int64_t> patch) {
  AugmentationOptions o;
  o.patchSize = std::move(patch);
  return validationAugmentation(o);
}

torch::Tensor centreCrop(torch::Tensor t, const std::vector<int64_t>& patch) {
  for (size_t a = 0; a < patch.size(); ++a) {
    const auto axis = static_cast<int64_t>(a) + 2;
    t = t.narrow(axis, (t.size(axis) - patch[a]) / 2, patch[a]);
  }
  return t;
}

// Labels -1, 0, 1, 2 and 5 in blocks of 4 voxels, so that every label survives resampling.
torch::Tensor blockLabels(const std::vector<int64_t>& shape) {
  torch::Tensor code = torch::zeros(shape, torch::kLong);
  for (size_t a = 2; a < shape.size(); ++a) {
    std::vector<int64_t> view(shape.size(), 1);
    view[a] = shape[a];
    code = code + torch::arange(shape[a]).div(4, "floor").view(view) * static_cast<int64_t>(a);
  }
  return torch::tensor({-1.0f, 0.0f, 1.0f, 2.0f, 5.0f}).index({code.remainder(5)});
}

std::vector<int64_t> sizes(const torch::Tensor& t) { return t.sizes().vec(); }

}  // namespace

TEST(Augmentation, InitialPatchSizeMatchesTheOfficial) {
  // nnUNetTrainer.configure_rotation_dummyDA_mirroring_and_inital_patch_size's initial_patch_size
  // (get_patch_size(patch_size, *rotation_for_DA.values(), (0.85, 1.25)), first axis kept for dummy 2D).
  const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> cases{
      {{512, 512}, {602, 602}},           {{256, 128}, {329, 150}},      {{128, 128, 128}, {205, 205, 205}},
      {{20, 320, 256}, {20, 376, 376}},   {{64, 160, 160}, {159, 257, 200}}, {{48, 192, 160}, {48, 225, 225}},
      {{80, 192, 160}, {194, 289, 210}}};
  for (const auto& [patch, expected] : cases) EXPECT_EQ(initialPatchSize(nnunetAugmentation(patch)), expected);

  // get_patch_size([40, 56], (-0.3, 0.1), (0, 0), (0, 0), (0.85, 1.25)) -> [64, 65]
  AugmentationOptions o;
  o.patchSize = {40, 56};
  o.rotationX = {-0.3, 0.1};
  EXPECT_EQ(initialPatchSize(o), (std::vector<int64_t>{64, 65}));
  // get_patch_size([32, 48, 64], (0, 0), (-0.5, 0.5), (0.2, 0.2), (0.85, 1.25)) -> [48, 56, 84]
  o.patchSize = {32, 48, 64};
  o.rotationX = {0, 0};
  o.rotationY = {-0.5, 0.5};
  o.rotationZ = {0.2, 0.2};
  EXPECT_EQ(initialPatchSize(o), (std::vector<int64_t>{48, 56, 84}));
  // get_patch_size([32, 48, 64], (-2., 0.), (0, 0), (0, 0), (0.85, 1.25)) -> [37, 75, 75]: at most 90°.
  o.rotationX = {-2.0, 0.0};
  o.rotationY = o.rotationZ = {0, 0};
  EXPECT_EQ(initialPatchSize(o), (std::vector<int64_t>{37, 75, 75}));
}

TEST(Augmentation, ConfiguresAsTheTrainer) {
  const double deg30 = 30.0 / 360 * 2.0 * M_PI, deg15 = 15.0 / 360 * 2.0 * M_PI;
  AugmentationOptions o = nnunetAugmentation({20, 320, 256});
  EXPECT_TRUE(o.dummy2D);
  EXPECT_DOUBLE_EQ(o.rotationX[1], M_PI);
  EXPECT_EQ(o.rotationY, (Range{0, 0}));
  EXPECT_EQ(o.mirrorAxes, (std::vector<int>{0, 1, 2}));
  o = nnunetAugmentation({64, 160, 192});  // 192 / 64 = 3 is not above the threshold
  EXPECT_FALSE(o.dummy2D);
  EXPECT_DOUBLE_EQ(o.rotationZ[0], -deg30);
  o = nnunetAugmentation({256, 128});
  EXPECT_DOUBLE_EQ(o.rotationX[1], deg15);
  EXPECT_EQ(o.mirrorAxes, (std::vector<int>{0, 1}));
  EXPECT_DOUBLE_EQ(nnunetAugmentation({192, 160}).rotationX[0], -M_PI);
  // nnUNetTrainer._get_deep_supervision_scales for pool_op_kernel_sizes [[1,1,1],[2,2,2],[2,2,1],[2,2,2]].
  EXPECT_EQ(deepSupervisionScales({{1, 1, 1}, {2, 2, 2}, {2, 2, 1}, {2, 2, 2}}),
            (std::vector<std::vector<double>>{{1, 1, 1}, {0.5, 0.5, 0.5}, {0.25, 0.25, 0.5}}));
}

TEST(Augmentation, WithEveryTransformOffItCropsTheCentre) {
  const std::vector<int64_t> patch{8, 9, 10};
  const torch::Tensor data = torch::randn({2, 2, 13, 14, 15});
  const torch::Tensor seg = blockLabels({2, 1, 13, 14, 15});
  AugmentationOptions o = quiet(patch);
  std::mt19937_64 rng(1);
  const AugmentedBatch out = augmentBatch(data, seg, o, rng);
  EXPECT_TRUE(torch::equal(out.data, centreCrop(data, patch)));
  ASSERT_EQ(out.targets.size(), 1u);
  EXPECT_TRUE(torch::equal(out.targets[0], centreCrop(seg, patch).clamp_min(0)));
  EXPECT_EQ(seg.min().item<float>(), -1.0f);  // the input is left alone
}

class MirrorAxis : public ::testing::TestWithParam<int> {};

TEST_P(MirrorAxis, FlipsTheCropOverThatAxisOnly) {
  const std::vector<int64_t> patch{8, 9, 10};
  const torch::Tensor data = torch::randn({2, 2, 12, 13, 14});
  const torch::Tensor seg = blockLabels({2, 1, 12, 13, 14});
  AugmentationOptions o = quiet(patch);
  o.mirrorAxes = {GetParam()};
  o.pMirrorPerAxis = 1.0;
  std::mt19937_64 rng(2);
  const AugmentedBatch out = augmentBatch(data, seg, o, rng);
  EXPECT_TRUE(torch::equal(out.data, centreCrop(data, patch).flip({GetParam() + 2})));
  EXPECT_TRUE(torch::equal(out.targets[0], centreCrop(seg, patch).flip({GetParam() + 2}).clamp_min(0)));
}

INSTANTIATE_TEST_SUITE_P(Augmentation, MirrorAxis, ::testing::Values(0, 1, 2));

TEST(Augmentation, ZeroRotationAndUnitScaleResampleTheCentreCrop) {
  // Through the resampling path: the patch centre must land on the source centre.
  const std::vector<int64_t> patch{8, 10, 6};
  const torch::Tensor data = torch::randn({2, 2, 12, 16, 14});
  const torch::Tensor seg = blockLabels({2, 1, 12, 16, 14});
  AugmentationOptions o = quiet(patch);
  o.pRotation = o.pScale = 1.0;
  o.scale = {1.0, 1.0};
  std::mt19937_64 rng(3);
  const AugmentedBatch out = augmentBatch(data, seg, o, rng);
  EXPECT_TRUE(torch::allclose(out.data, centreCrop(data, patch), 0, 1e-4));
  EXPECT_TRUE(torch::equal(out.targets[0], centreCrop(seg, patch).clamp_min(0)));
}

TEST(Augmentation, A90DegreeRotationOf2DPatchesIsRot90) {
  // batchgenerators' augment_spatial with angle_x = (pi/2, pi/2) gives np.rot90(crop, 1, (0, 1)).
  const std::vector<int64_t> patch{10, 10};
  const torch::Tensor data = torch::randn({2, 3, 14, 14});
  const torch::Tensor seg = blockLabels({2, 1, 14, 14});
  AugmentationOptions o = quiet(patch);
  o.pRotation = 1.0;
  o.rotationX = {kHalfPi, kHalfPi};
  std::mt19937_64 rng(4);
  const AugmentedBatch out = augmentBatch(data, seg, o, rng);
  EXPECT_TRUE(torch::allclose(out.data, torch::rot90(centreCrop(data, patch), 1, {2, 3}), 0, 1e-4));
  EXPECT_TRUE(torch::equal(out.targets[0], torch::rot90(centreCrop(seg, patch), 1, {2, 3}).clamp_min(0)));
}

TEST(Augmentation, A90DegreeRotationAboutEach3DAxisIsRot90) {
  // augment_spatial with 90° about x, y or z matches np.rot90(crop, 1, axes) with axes (1, 2), (2, 0), (0, 1).
  const std::vector<int64_t> patch{8, 8, 8};
  const torch::Tensor data = torch::randn({1, 2, 12, 12, 12});
  const torch::Tensor seg = blockLabels({1, 1, 12, 12, 12});
  const std::vector<std::vector<int64_t>> planes{{3, 4}, {4, 2}, {2, 3}};
  for (int axis = 0; axis < 3; ++axis) {
    AugmentationOptions o = quiet(patch);
    o.pRotation = 1.0;
    std::array<Range*, 3> angles{&o.rotationX, &o.rotationY, &o.rotationZ};
    *angles[static_cast<size_t>(axis)] = {kHalfPi, kHalfPi};
    std::mt19937_64 rng(5);
    const AugmentedBatch out = augmentBatch(data, seg, o, rng);
    const std::vector<int64_t>& plane = planes[static_cast<size_t>(axis)];
    EXPECT_TRUE(torch::allclose(out.data, torch::rot90(centreCrop(data, patch), 1, plane), 0, 1e-4)) << "axis " << axis;
    EXPECT_TRUE(torch::equal(out.targets[0], torch::rot90(centreCrop(seg, patch), 1, plane).clamp_min(0))) << "axis " << axis;
  }
}

TEST(Augmentation, Dummy2DRotatesEachSliceOfTheFirstAxis) {
  const std::vector<int64_t> patch{4, 8, 8};
  const torch::Tensor data = torch::randn({2, 2, 4, 12, 12});
  AugmentationOptions o = quiet(patch);
  o.dummy2D = true;
  o.pRotation = 1.0;
  o.rotationX = {kHalfPi, kHalfPi};
  std::mt19937_64 rng(6);
  const AugmentedBatch out = augmentBatch(data, blockLabels({2, 1, 4, 12, 12}), o, rng);
  EXPECT_TRUE(torch::allclose(out.data, torch::rot90(centreCrop(data, patch), 1, {3, 4}), 0, 1e-4));
}

TEST(Augmentation, SegmentationKeepsItsLabelsAndLosesMinusOne) {
  AugmentationOptions o = nnunetAugmentation({24, 24, 24});
  o.pRotation = o.pScale = 1.0;
  const std::vector<int64_t> initial = initialPatchSize(o);
  std::vector<int64_t> shape{3, 1};
  shape.insert(shape.end(), initial.begin(), initial.end());
  std::mt19937_64 rng(7);
  const AugmentedBatch out = augmentBatch(torch::randn({3, 1, initial[0], initial[1], initial[2]}), blockLabels(shape), o, rng);
  const torch::Tensor values = std::get<0>(torch::_unique(out.targets[0]));
  EXPECT_TRUE(torch::equal(values, torch::tensor({0.0f, 1.0f, 2.0f, 5.0f}))) << values;
}

TEST(Augmentation, DeepSupervisionTargetsAreNearestDownsamplings) {
  const std::vector<int64_t> patch{8, 12, 16};
  AugmentationOptions o = quiet(patch);
  o.deepSupervisionScales = {{1, 1, 1}, {0.5, 0.5, 0.5}, {0.25, 0.25, 0.5}};
  std::mt19937_64 rng(8);
  const AugmentedBatch out = augmentBatch(torch::randn({2, 1, 8, 12, 16}), torch::randint(-1, 4, {2, 1, 8, 12, 16}), o, rng);
  ASSERT_EQ(out.targets.size(), 3u);
  EXPECT_EQ(sizes(out.targets[0]), (std::vector<int64_t>{2, 1, 8, 12, 16}));
  EXPECT_EQ(sizes(out.targets[1]), (std::vector<int64_t>{2, 1, 4, 6, 8}));
  EXPECT_EQ(sizes(out.targets[2]), (std::vector<int64_t>{2, 1, 2, 3, 8}));
  // resize_segmentation(order 0) picks source index floor((i + 0.5) / scale): [1, 3, 5, 7] of arange(8) to 4
  // and [2, 6, 10] of arange(12) to 3.
  using torch::indexing::None;
  using torch::indexing::Slice;
  const torch::Tensor& full = out.targets[0];
  EXPECT_TRUE(torch::equal(out.targets[1], full.index({Slice(), Slice(), Slice(1, None, 2), Slice(1, None, 2), Slice(1, None, 2)})));
  EXPECT_TRUE(torch::equal(out.targets[2], full.index({Slice(), Slice(), Slice(2, None, 4), Slice(2, None, 4), Slice(1, None, 2)})));
}

TEST(Augmentation, GaussianBlurMatchesScipy) {
  AugmentationOptions o = quiet({5, 6});
  o.pBlur = o.pBlurPerChannel = 1.0;
  o.blurSigma = {0.7, 0.7};
  const torch::Tensor data = torch::arange(30).remainder(7).to(torch::kFloat).view({1, 1, 5, 6});
  std::mt19937_64 rng(9);
  const AugmentedBatch out = augmentBatch(data, torch::zeros({1, 1, 5, 6}), o, rng);
  // scipy.ndimage.gaussian_filter((np.arange(30).reshape(5, 6) % 7).astype(np.float32), 0.7)
  const torch::Tensor expected = torch::tensor({1.2343374f, 1.1524545f, 1.7949666f, 2.7662241f, 3.7556643f, 4.530902f,
                                                3.8090022f, 2.053431f,  1.3913645f, 2.0190978f, 2.9812348f, 3.7556643f,
                                                4.804735f,  3.941564f,  2.0675452f, 1.4010379f, 2.018923f,  2.7661946f,
                                                4.2145686f, 4.6183925f, 3.941623f,  2.0630789f, 1.3624097f, 1.7901328f,
                                                3.4682584f, 4.2145686f, 4.804794f,  3.8184204f, 1.4064872f, 1.0529225f})
                                   .view({1, 1, 5, 6});
  EXPECT_TRUE(torch::allclose(out.data, expected, 0, 1e-5)) << out.data;
}

TEST(Augmentation, NoiseBrightnessAndContrastChangeTheDataAsTheOfficial) {
  const std::vector<int64_t> patch{16, 16};
  const torch::Tensor data = torch::randn({4, 2, 16, 16}) * 2 + 1;
  const torch::Tensor seg = blockLabels({4, 1, 16, 16});
  const std::vector<int64_t> spatial{2, 3};
  std::mt19937_64 rng(10);

  AugmentationOptions o = quiet(patch);
  o.pNoise = 1.0;
  AugmentedBatch out = augmentBatch(data, seg, o, rng);
  const torch::Tensor noiseStd = (out.data - data).flatten(1).std(1);
  EXPECT_GT(noiseStd.min().item<double>(), 0.0);
  EXPECT_LT(noiseStd.max().item<double>(), 0.13);  // uniform(0, 0.1) with sampling error
  EXPECT_TRUE(torch::equal(out.targets[0], seg.clamp_min(0)));

  o = quiet(patch);
  o.pBrightness = 1.0;
  out = augmentBatch(data, seg, o, rng);
  const torch::Tensor ratio = out.data / data;  // one multiplier per sample and channel
  EXPECT_TRUE(torch::allclose(ratio.amin(spatial), ratio.amax(spatial), 0, 1e-4));
  EXPECT_GE(ratio.min().item<double>(), 0.75 - 1e-4);
  EXPECT_LE(ratio.max().item<double>(), 1.25 + 1e-4);
  EXPECT_FALSE(torch::allclose(out.data, data));

  o = quiet(patch);
  o.pContrast = 1.0;
  out = augmentBatch(data, seg, o, rng);
  EXPECT_FALSE(torch::allclose(out.data, data));
  EXPECT_TRUE((out.data >= data.amin(spatial, true)).all().item<bool>());  // preserve_range
  EXPECT_TRUE((out.data <= data.amax(spatial, true)).all().item<bool>());
}

TEST(Augmentation, GammaRetainsMeanAndStandardDeviation) {
  const torch::Tensor data = torch::randn({4, 2, 16, 16}) * 3 + 2;
  const std::vector<int64_t> spatial{2, 3};
  for (const bool inverted : {false, true}) {
    AugmentationOptions o = quiet({16, 16});
    (inverted ? o.pGammaInverted : o.pGamma) = 1.0;
    o.gamma = {1.3, 1.5};  // away from 1, so the data must change
    std::mt19937_64 rng(11);
    const AugmentedBatch out = augmentBatch(data, torch::zeros({4, 1, 16, 16}), o, rng);
    EXPECT_FALSE(torch::allclose(out.data, data, 0, 1e-2)) << "inverted " << inverted;
    EXPECT_TRUE(torch::allclose(out.data.mean(spatial), data.mean(spatial), 0, 1e-4)) << "inverted " << inverted;
    EXPECT_TRUE(torch::allclose(out.data.std(spatial, false), data.std(spatial, false), 1e-4, 1e-4)) << "inverted " << inverted;
  }
}

TEST(Augmentation, LowResolutionSamplesPixelCentres) {
  // Zoom 0.5 of a ramp: nearest keeps the odd samples 1, 3, 5, 7, linear upsampling of those at pixel centres
  // gives i + 0.5 inside and the edge values outside. Dummy 2D leaves the first axis alone.
  AugmentationOptions o = quiet({8, 8, 8});
  o.dummy2D = true;
  o.pLowResolution = o.pLowResolutionPerChannel = 1.0;
  o.lowResolutionZoom = {0.5, 0.5};
  const torch::Tensor ramp = torch::arange(8).to(torch::kFloat);
  const torch::Tensor data = torch::cat({ramp.view({1, 1, 8, 1, 1}).expand({1, 1, 8, 8, 8}),
                                         ramp.view({1, 1, 1, 8, 1}).expand({1, 1, 8, 8, 8})}, 1);
  std::mt19937_64 rng(12);
  const AugmentedBatch out = augmentBatch(data, torch::zeros({1, 1, 8, 8, 8}), o, rng);
  EXPECT_TRUE(torch::allclose(out.data[0][0], data[0][0], 0, 1e-5));
  const torch::Tensor expected = (ramp + 0.5).clamp(1, 7).view({1, 8, 1}).expand({8, 8, 8});
  EXPECT_TRUE(torch::allclose(out.data[0][1], expected, 0, 1e-5)) << out.data[0][1][0];
}

TEST(Augmentation, RejectsWrongShapes) {
  AugmentationOptions o = quiet({8, 8});
  std::mt19937_64 rng(13);
  EXPECT_THROW(augmentBatch(torch::zeros({1, 1, 8, 8, 8}), torch::zeros({1, 1, 8, 8, 8}), o, rng), krait::Error);
  EXPECT_THROW(augmentBatch(torch::zeros({1, 1, 6, 8}), torch::zeros({1, 1, 6, 8}), o, rng), krait::Error);
  EXPECT_THROW(augmentBatch(torch::zeros({1, 1, 8, 8}), torch::zeros({2, 1, 8, 8}), o, rng), krait::Error);
  o.deepSupervisionScales = {{0.5, 0.5, 0.5}};
  EXPECT_THROW(augmentBatch(torch::zeros({1, 1, 8, 8}), torch::zeros({1, 1, 8, 8}), o, rng), krait::Error);
}
