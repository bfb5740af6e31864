// The data side of training: nnU-Net's folds, the preparation of a case and the patch sampler.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "krait/base/error.h"
#include "krait/training/patch_sampler.h"
#include "krait/training/splits.h"
#include "krait/training/training_case.h"

namespace krait::training {
namespace {

TEST(Splits, ShuffleIsNumpys) {
  // numpy: idx = np.arange(n); np.random.RandomState(seed).shuffle(idx)
  EXPECT_EQ(numpyShuffledRange(7, 12345), (std::vector<int64_t>{6, 3, 4, 0, 1, 5, 2}));
  EXPECT_EQ(numpyShuffledRange(12, 12345), (std::vector<int64_t>{8, 0, 3, 7, 11, 10, 6, 9, 4, 1, 5, 2}));
  EXPECT_EQ(numpyShuffledRange(5, 3), (std::vector<int64_t>{3, 4, 1, 0, 2}));
}

TEST(Splits, FoldsAreSklearnsKFold) {
  // sklearn: KFold(5, shuffle=True, random_state=12345).split(sorted(['case_0', ..., 'case_6'])), test sets
  const std::vector<std::vector<std::string>> expected{
      {"case_3", "case_6"}, {"case_0", "case_4"}, {"case_1"}, {"case_5"}, {"case_2"}};
  std::vector<std::string> cases;
  for (int i = 6; i >= 0; --i) cases.push_back("case_" + std::to_string(i));  // any order: nnU-Net sorts
  const std::vector<Split> splits = crossValidationSplits(cases);
  ASSERT_EQ(splits.size(), 5u);
  for (size_t f = 0; f < 5; ++f) {
    EXPECT_EQ(splits[f].val, expected[f]) << "fold " << f;
    EXPECT_EQ(splits[f].train.size() + splits[f].val.size(), 7u);
    for (const auto& v : splits[f].val)
      EXPECT_EQ(std::count(splits[f].train.begin(), splits[f].train.end(), v), 0);
  }
  EXPECT_THROW(crossValidationSplits({"a", "b", "c"}), Error);
}

// A 1-channel case: a bright block inside zeros, labels 1 and 2 inside it.
struct SyntheticCase {
  torch::Tensor image = torch::zeros({1, 6, 20, 16});
  torch::Tensor labels = torch::zeros({6, 20, 16}, torch::kShort);
  SyntheticCase() {
    using torch::indexing::Slice;
    image.index_put_({0, Slice(), Slice(4, 16), Slice(2, 14)}, 100.0);
    image.index_put_({0, Slice(), Slice(8, 12), Slice(6, 10)}, 200.0);
    labels.index_put_({Slice(), Slice(4, 16), Slice(2, 14)}, 1);
    labels.index_put_({Slice(), Slice(8, 12), Slice(6, 10)}, 2);
  }
};

InferencePlan plan2d(std::vector<double> spacing) {
  InferencePlan p;
  p.patchSize = {8, 8};
  p.targetSpacing = std::move(spacing);
  p.channels = {ChannelNormalization{}};
  return p;
}

TEST(TrainingCase, CropsNormalisesAndResamplesTheLabels) {
  const SyntheticCase c;
  const TrainingCase t = preprocessTrainingCase("x", c.image, c.labels, {3.0, 1.0, 1.0}, plan2d({0.5, 0.5}), {1, 2}, 7);
  // Cropped to the block (12 x 12 in plane), then twice as fine in plane; slices untouched.
  EXPECT_EQ(t.data.sizes(), (std::vector<int64_t>{1, 6, 24, 24}));
  EXPECT_EQ(t.seg.sizes(), (std::vector<int64_t>{1, 6, 24, 24}));
  EXPECT_NEAR(t.data.mean().item<double>(), 0.0, 0.05);  // z-scored
  const torch::Tensor values = std::get<0>(at::_unique(t.seg));
  EXPECT_TRUE(torch::equal(values, torch::tensor({1, 2}, torch::kShort)));
  EXPECT_EQ((t.seg == 2).sum().item<int64_t>(), 6 * 8 * 8);
  for (const int64_t label : {1, 2}) {
    const torch::Tensor loc = t.classLocations.at(label);
    ASSERT_EQ(loc.size(1), 3);
    EXPECT_EQ(loc.size(0), (t.seg == label).sum().item<int64_t>());  // fewer than 10000: every voxel
    for (int64_t i = 0; i < loc.size(0); i += 37)
      EXPECT_EQ(t.seg[0][loc[i][0]][loc[i][1]][loc[i][2]].item<int>(), label);
  }
}

TEST(TrainingCase, LabelsOutsideTheImageBecomeMinusOne) {
  SyntheticCase c;
  c.labels.zero_();  // background everywhere: the zero border is outside the non-zero mask
  c.image.index_put_({0, 0, 0, 0}, 5.0);  // two corners keep the crop at the full extent
  c.image.index_put_({0, 5, 19, 15}, 5.0);
  const TrainingCase t = preprocessTrainingCase("x", c.image, c.labels, {1.0, 1.0, 1.0}, plan2d({1.0, 1.0}), {1}, 7);
  EXPECT_EQ(t.seg.sizes(), (std::vector<int64_t>{1, 6, 20, 16}));
  EXPECT_EQ(t.seg[0][3][0][0].item<int>(), -1);
  EXPECT_EQ(t.seg[0][3][10][8].item<int>(), 0);
  EXPECT_EQ(t.classLocations.at(1).size(0), 0);
}

// A float32 image that needs no transpose and no crop (no zero voxel) reaches normalisation, which works in
// place, as the caller's own tensor: the case must be normalised from a copy, the caller's image left as it was.
TEST(TrainingCase, LeavesTheCallersImageUnchanged) {
  SyntheticCase c;
  c.image += 1.0f;  // no zero voxel: the crop keeps the full extent
  const torch::Tensor before = c.image.clone();
  const TrainingCase t = preprocessTrainingCase("x", c.image, c.labels, {1.0, 1.0, 1.0}, plan2d({1.0, 1.0}), {1}, 7);
  EXPECT_EQ(t.data.sizes(), (std::vector<int64_t>{1, 6, 20, 16}));
  EXPECT_NEAR(t.data.mean().item<double>(), 0.0, 1e-4);  // z-scored
  EXPECT_TRUE(torch::equal(c.image, before));
}

TEST(PatchSampler, ForcedPatchesHoldForegroundAndPaddingIsMinusOne) {
  const SyntheticCase c;
  const std::vector<TrainingCase> cases{
      preprocessTrainingCase("x", c.image, c.labels, {1.0, 1.0, 1.0}, plan2d({1.0, 1.0}), {2}, 1)};
  PatchSamplerOptions o;
  o.patchSize = {32, 32};  // larger than the 12 x 12 slices: padded
  o.finalPatchSize = {24, 24};
  o.batchSize = 3;
  std::mt19937_64 rng(5);
  for (int round = 0; round < 10; ++round) {
    const PatchBatch b = samplePatches(cases, {0}, o, rng);
    ASSERT_EQ(b.data.sizes(), (std::vector<int64_t>{3, 1, 32, 32}));
    ASSERT_EQ(b.seg.sizes(), (std::vector<int64_t>{3, 1, 32, 32}));
    EXPECT_GT((b.seg[2] == 2).sum().item<int64_t>(), 0) << "the last third is forced onto foreground";
    EXPECT_GT((b.seg == -1).sum().item<int64_t>(), 0);
    EXPECT_TRUE(torch::equal(b.data.masked_select(b.seg == -1), torch::zeros({(b.seg == -1).sum().item<int64_t>()})));
  }
  o.patchSize = o.finalPatchSize = {4, 4, 4};  // 3D patches inside the case
  o.oversampleForeground = 1.0;
  const PatchBatch b = samplePatches(cases, {0}, o, rng);
  EXPECT_EQ(b.seg.sizes(), (std::vector<int64_t>{3, 1, 4, 4, 4}));
  for (int64_t j = 0; j < 3; ++j) EXPECT_GT((b.seg[j] == 2).sum().item<int64_t>(), 0);
}

}  // namespace
}  // namespace krait::training
