#include "krait/training/patch_sampler.h"

#include <algorithm>
#include <cmath>

#include "krait/base/error.h"

namespace krait::training {

namespace {

using torch::indexing::Slice;

int64_t uniform(std::mt19937_64& rng, int64_t lo, int64_t hi) {  // inclusive, as np.random.randint(lo, hi + 1)
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

// get_bbox: the patch's lower corner. `voxel` (spatial indices) centres it when given.
std::vector<int64_t> lowerCorner(const std::vector<int64_t>& shape, const PatchSamplerOptions& o,
                                 const std::vector<int64_t>* voxel, std::mt19937_64& rng) {
  const size_t dims = shape.size();
  std::vector<int64_t> lbs(dims), corner(dims);
  for (size_t d = 0; d < dims; ++d) {
    int64_t pad = o.patchSize[d] - o.finalPatchSize[d];
    if (pad + shape[d] < o.patchSize[d]) pad = o.patchSize[d] - shape[d];
    // Python's floor division of a negative number.
    lbs[d] = static_cast<int64_t>(std::floor(-static_cast<double>(pad) / 2.0));
    const int64_t ub = shape[d] + pad / 2 + pad % 2 - o.patchSize[d];
    corner[d] = voxel ? std::max(lbs[d], (*voxel)[d] - o.patchSize[d] / 2) : uniform(rng, lbs[d], ub);
  }
  return corner;
}

// The part of `source` (C, *shape) under the patch, padded with `fill` where the patch leaves it.
torch::Tensor cut(const torch::Tensor& source, const std::vector<int64_t>& corner, const std::vector<int64_t>& size,
                  double fill) {
  std::vector<int64_t> outShape{source.size(0)};
  outShape.insert(outShape.end(), size.begin(), size.end());
  torch::Tensor out = torch::full(outShape, fill, source.options());
  std::vector<torch::indexing::TensorIndex> from{Slice()}, to{Slice()};
  for (size_t d = 0; d < size.size(); ++d) {
    const int64_t lo = std::max<int64_t>(0, corner[d]), hi = std::min(source.size(d + 1), corner[d] + size[d]);
    if (hi <= lo) return out;
    from.emplace_back(Slice(lo, hi));
    to.emplace_back(Slice(lo - corner[d], hi - corner[d]));
  }
  out.index(to).copy_(source.index(from));
  return out;
}

}  // namespace

PatchBatch samplePatches(const std::vector<TrainingCase>& cases, const std::vector<size_t>& keys,
                         const PatchSamplerOptions& o, std::mt19937_64& rng) {
  const size_t dims = o.patchSize.size();
  if (keys.empty() || (dims != 2 && dims != 3) || o.finalPatchSize.size() != dims)
    throw Error(ErrorKind::Internal, "samplePatches needs cases and a 2D or 3D patch");
  std::vector<torch::Tensor> data, seg;
  const auto unforced = static_cast<int>(std::nearbyint(o.batchSize * (1.0 - o.oversampleForeground)));
  for (int j = 0; j < o.batchSize; ++j) {
    const TrainingCase& c = cases.at(keys[static_cast<size_t>(uniform(rng, 0, static_cast<int64_t>(keys.size()) - 1))]);
    const bool forceForeground = j >= unforced;
    std::vector<int64_t> eligible;
    if (forceForeground)
      for (const auto& [label, locations] : c.classLocations)
        if (locations.size(0) > 0) eligible.push_back(label);
    torch::Tensor locations;  // (N, 3) of the chosen class, or undefined
    if (!eligible.empty()) locations = c.classLocations.at(eligible[static_cast<size_t>(uniform(rng, 0, static_cast<int64_t>(eligible.size()) - 1))]);

    torch::Tensor image = c.data, labels = c.seg;
    std::vector<int64_t> voxel;
    if (dims == 2) {
      int64_t slice = 0;
      if (locations.defined()) {
        slice = locations[uniform(rng, 0, locations.size(0) - 1)][0].item<int64_t>();
        const torch::Tensor inSlice = locations.index({locations.select(1, 0) == slice});
        const torch::Tensor v = inSlice[uniform(rng, 0, inSlice.size(0) - 1)];
        voxel = {v[1].item<int64_t>(), v[2].item<int64_t>()};
      } else {
        slice = uniform(rng, 0, image.size(1) - 1);
      }
      image = image.select(1, slice);
      labels = labels.select(1, slice);
    } else if (locations.defined()) {
      const torch::Tensor v = locations[uniform(rng, 0, locations.size(0) - 1)];
      voxel = {v[0].item<int64_t>(), v[1].item<int64_t>(), v[2].item<int64_t>()};
    }
    const std::vector<int64_t> shape(image.sizes().begin() + 1, image.sizes().end());
    const std::vector<int64_t> corner = lowerCorner(shape, o, voxel.empty() ? nullptr : &voxel, rng);
    data.push_back(cut(image, corner, o.patchSize, 0.0));
    seg.push_back(cut(labels, corner, o.patchSize, -1.0));
  }
  return {torch::stack(data), torch::stack(seg)};
}

}  // namespace krait::training
