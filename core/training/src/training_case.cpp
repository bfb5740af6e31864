#include "krait/training/training_case.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "krait/base/error.h"
#include "krait/pipeline/nonzero_crop.h"
#include "krait/pipeline/normalization.h"
#include "krait/pipeline/resample.h"

namespace krait::training {

namespace {

using torch::indexing::Slice;

torch::Tensor cropped(const torch::Tensor& t, const BoundingBox& b) {
  return t.index({Slice(b.begin[0], b.end[0]), Slice(b.begin[1], b.end[1]), Slice(b.begin[2], b.end[2])});
}

void checkShapes(const torch::Tensor& image, const torch::Tensor& labels, const std::vector<double>& spacing) {
  if (image.dim() != 4 || labels.dim() != 3 || !image.sizes().slice(1).equals(labels.sizes()) || spacing.size() != 3)
    throw Error(ErrorKind::Internal, "training cases need (C, Z, Y, X) images, (Z, Y, X) labels on the same grid "
                                     "and a (z, y, x) spacing");
}

// resize_segmentation over the whole array: every label resampled as a 0/1 mask, >= 0.5 wins, labels in
// ascending order (a later label overwrites an earlier one where both reach 0.5).
torch::Tensor resampleLabels(const torch::Tensor& seg, c10::IntArrayRef newShape, const std::vector<double>& spacing,
                             const std::vector<double>& target, const ResamplingOptions& dataOptions) {
  if (seg.sizes().equals(newShape)) return seg;
  ResamplingOptions o = dataOptions;
  o.order = 1;
  o.orderZ = 0;
  torch::Tensor out = torch::zeros(newShape, seg.options());
  const torch::Tensor values = std::get<0>(at::_unique(seg, /*sorted=*/true));
  for (int64_t i = 0; i < values.numel(); ++i) {
    const int64_t v = values[i].item<int64_t>();
    const torch::Tensor mask = (seg == v).to(torch::kFloat).unsqueeze(0);
    const torch::Tensor resized = resampleToShape(mask, newShape, spacing, target, o)[0];
    out.masked_fill_(resized >= 0.5, v);
  }
  return out;
}

// A sample of k of n indices without replacement.
std::vector<int64_t> sampleWithoutReplacement(int64_t n, int64_t k, std::mt19937_64& rng) {
  std::vector<int64_t> idx(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  for (int64_t i = 0; i < k; ++i) {
    std::uniform_int_distribution<int64_t> pick(i, n - 1);
    std::swap(idx[static_cast<size_t>(i)], idx[static_cast<size_t>(pick(rng))]);
  }
  idx.resize(static_cast<size_t>(k));
  return idx;
}

}  // namespace

CaseFingerprint fingerprintCase(const torch::Tensor& image, const torch::Tensor& labels,
                                const std::vector<double>& spacing, uint64_t seed) {
  checkShapes(image, labels, spacing);
  const NonzeroCrop crop = cropToNonzero(image.to(torch::kFloat));
  CaseFingerprint fp;
  fp.spacing = spacing;
  int64_t before = 1, after = 1;
  for (int d = 0; d < 3; ++d) {
    fp.shapeAfterCrop.push_back(crop.data.size(d + 1));
    before *= crop.shapeBeforeCropping[d];
    after *= crop.data.size(d + 1);
  }
  fp.relativeSizeAfterCropping = static_cast<double>(after) / static_cast<double>(before);
  const torch::Tensor foreground = cropped(labels, crop.box) > 0;
  std::mt19937_64 rng(seed);
  for (int64_t c = 0; c < crop.data.size(0); ++c) {
    const torch::Tensor voxels = crop.data[c].masked_select(foreground).contiguous();
    std::vector<float> samples;
    if (voxels.numel() > 0) {
      const float* v = voxels.data_ptr<float>();
      std::uniform_int_distribution<int64_t> pick(0, voxels.numel() - 1);
      samples.resize(10000);
      for (float& s : samples) s = v[pick(rng)];
    }
    fp.foregroundSamples.push_back(std::move(samples));
  }
  return fp;
}

TrainingCase preprocessTrainingCase(std::string id, const torch::Tensor& image, const torch::Tensor& labels,
                                    const std::vector<double>& spacing, const InferencePlan& plan,
                                    const std::vector<int64_t>& foregroundLabels, uint64_t seed) {
  checkShapes(image, labels, spacing);
  const auto& t = plan.transposeForward;
  const std::vector<double> transposed{spacing[t[0]], spacing[t[1]], spacing[t[2]]};
  const torch::Tensor data = image.to(torch::kFloat).permute({0, t[0] + 1, t[1] + 1, t[2] + 1}).contiguous();
  NonzeroCrop crop = cropToNonzero(data);
  // Normalisation works in place, and a float32 image that needs no transpose and no crop is still the caller's
  // tensor here: a copy, never it (as preprocess does for inference).
  if (crop.data.is_alias_of(image)) crop.data = crop.data.clone();
  torch::Tensor seg = cropped(labels.to(torch::kShort).permute({t[0], t[1], t[2]}), crop.box).clone();
  seg.masked_fill_((seg == 0) & crop.mask.logical_not(), -1);

  std::vector<double> target = plan.targetSpacing;
  if (target.size() == 2) target.insert(target.begin(), transposed[0]);
  const std::vector<int64_t> shape{crop.data.size(1), crop.data.size(2), crop.data.size(3)};
  const std::vector<int64_t> newShape = computeNewShape(shape, transposed, target);
  normalizeChannels(crop.data, crop.mask, plan.channels);

  TrainingCase out;
  out.id = std::move(id);
  out.data = resampleToShape(crop.data, newShape, transposed, target, plan.dataResampling).contiguous();
  out.seg = resampleLabels(seg, newShape, transposed, target, plan.dataResampling).unsqueeze(0).contiguous();

  std::mt19937_64 rng(seed);
  for (const int64_t label : foregroundLabels) {
    const torch::Tensor all = (out.seg[0] == label).nonzero();
    const int64_t n = all.size(0);
    const int64_t k = std::max(std::min<int64_t>(10000, n), static_cast<int64_t>(std::ceil(n * 0.01)));
    out.classLocations[label] =
        n == 0 ? all : all.index_select(0, torch::tensor(sampleWithoutReplacement(n, k, rng), torch::kLong));
  }
  return out;
}

}  // namespace krait::training
