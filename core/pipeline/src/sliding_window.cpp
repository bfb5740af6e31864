#include "krait/pipeline/sliding_window.h"

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "krait/base/error.h"
#include "krait/base/size_text.h"

namespace krait {
namespace {

using torch::indexing::Slice;

// Every non-empty subset of the mirror axes as tensor dimensions, smallest subsets first (itertools order).
std::vector<std::vector<int64_t>> mirrorCombinations(const std::vector<int>& axes) {
  std::vector<std::vector<int64_t>> out;
  const int n = static_cast<int>(axes.size());
  for (int size = 1; size <= n; ++size) {
    std::vector<int> pick(size);
    for (int i = 0; i < size; ++i) pick[i] = i;
    while (true) {
      std::vector<int64_t> dims;
      for (int i : pick) dims.push_back(axes[i] + 2);
      out.push_back(dims);
      int i = size - 1;
      while (i >= 0 && pick[i] == n - size + i) --i;
      if (i < 0) break;
      ++pick[i];
      for (int j = i + 1; j < size; ++j) pick[j] = pick[j - 1] + 1;
    }
  }
  return out;
}

// _internal_maybe_mirror_and_predict, for a batch of tiles. With `oneCall` the tiles and all their mirrored copies
// go through the network as one batch: a GPU runs one batch of 8 faster than 8 calls of 1 (kernels with small
// grids fill it, one graph replay), and nothing else changes: the sum is taken in nnU-Net's order either way.
torch::Tensor predictTiles(const torch::Tensor& x, const TilePredictor& predictor,
                           const std::vector<std::vector<int64_t>>& flips, bool oneCall) {
  if (flips.empty()) return predictor(x);
  torch::Tensor prediction;
  if (oneCall) {
    std::vector<torch::Tensor> copies{x};
    for (const auto& dims : flips) copies.push_back(torch::flip(x, dims));
    const torch::Tensor all = predictor(torch::cat(copies));
    const int64_t n = x.size(0);
    prediction = all.narrow(0, 0, n);
    for (size_t k = 0; k < flips.size(); ++k)
      prediction += torch::flip(all.narrow(0, static_cast<int64_t>(k + 1) * n, n), flips[k]);
  } else {
    prediction = predictor(x);
    for (const auto& dims : flips) prediction += torch::flip(predictor(torch::flip(x, dims)), dims);
  }
  return prediction /= static_cast<double>(flips.size() + 1);
}

// On a GPU the mirrored copies share their tiles' network call; on the CPU a bigger batch only costs memory.
bool mirrorsInOneCall(const SlidingWindowOptions& options) {
  return options.device.is_cuda() && !options.mirrorAxes.empty();
}

// gaussian_filter's 1D kernel (sigma = patch / 8, truncated at 4 sigma, normalised to sum 1) as it falls on the
// patch axis around a one at patch / 2; zero beyond the truncation.
torch::Tensor gaussianAxis(int64_t patch) {
  const double sigma = static_cast<double>(patch) / 8.0;
  const auto radius = static_cast<int64_t>(4.0 * sigma + 0.5);
  auto phi = [&](int64_t x) { return std::exp(-0.5 / (sigma * sigma) * static_cast<double>(x * x)); };
  double sum = 0.0;
  for (int64_t x = -radius; x <= radius; ++x) sum += phi(x);
  std::vector<double> w(patch, 0.0);
  for (int64_t i = 0; i < patch; ++i) {
    const int64_t offset = i - patch / 2;
    if (std::abs(offset) <= radius) w[i] = phi(offset) / sum;
  }
  return torch::tensor(w, torch::kDouble);
}

}  // namespace

std::vector<std::vector<int64_t>> slidingWindowSteps(const std::vector<int64_t>& imageSize,
                                                     const std::vector<int64_t>& tileSize, double stepSize) {
  if (!(stepSize > 0.0 && stepSize <= 1.0))
    throw Error(ErrorKind::Usage, "the tile step must be in (0, 1], got " + std::to_string(stepSize));
  std::vector<std::vector<int64_t>> steps;
  for (size_t d = 0; d < tileSize.size(); ++d) {
    const double target = static_cast<double>(tileSize[d]) * stepSize;
    const int64_t maxStep = imageSize[d] - tileSize[d];
    const auto n = static_cast<int64_t>(std::ceil(static_cast<double>(maxStep) / target)) + 1;
    const double actual = n > 1 ? static_cast<double>(maxStep) / static_cast<double>(n - 1) : 0.0;
    std::vector<int64_t> axis;
    for (int64_t i = 0; i < n; ++i) axis.push_back(static_cast<int64_t>(std::nearbyint(actual * static_cast<double>(i))));
    steps.push_back(axis);
  }
  return steps;
}

torch::Tensor gaussianImportanceMap(const std::vector<int64_t>& patchSize) {
  torch::Tensor map = torch::ones({1}, torch::kDouble);
  for (size_t d = 0; d < patchSize.size(); ++d) {
    map = map.unsqueeze(-1) * gaussianAxis(patchSize[d]);
  }
  map = map.reshape(torch::IntArrayRef(patchSize));
  map = (map / map.max() * 10.0).to(torch::kHalf);
  // A zero weight would divide by zero where only that tile's border covers a voxel.
  const torch::Tensor zero = map == 0;
  if (zero.any().item<bool>()) map.masked_fill_(zero, map.masked_select(~zero).min());
  return map.to(torch::kFloat);
}

void warmUpPredictor(const TilePredictor& predictor, int64_t channels, const SlidingWindowOptions& options) {
  c10::InferenceMode inference;
  // As predictSlidingWindow batches: tileBatch tiles, and on a GPU their mirrored copies in the same call.
  int64_t tiles = std::max<int64_t>(options.tileBatch, 1);
  if (mirrorsInOneCall(options)) tiles *= static_cast<int64_t>(mirrorCombinations(options.mirrorAxes).size()) + 1;
  std::vector<int64_t> shape{tiles, channels};
  shape.insert(shape.end(), options.patchSize.begin(), options.patchSize.end());
  try {
    predictor(torch::zeros(shape, torch::TensorOptions(options.device).dtype(torch::kFloat)));
  } catch (const c10::OutOfMemoryError&) {
  }
}

torch::Tensor predictSlidingWindow(const torch::Tensor& data, int64_t heads, const TilePredictor& predictor,
                                   const SlidingWindowOptions& options, const TileProgress& progress,
                                   const std::atomic<bool>* cancelled) {
  TORCH_CHECK(data.dim() == 4, "predictSlidingWindow needs (C, Z, Y, X) data");
  // Networks return inference tensors; mirroring and accumulation update them in place.
  c10::InferenceMode inference;
  const auto& patch = options.patchSize;
  const auto spatial = static_cast<int64_t>(patch.size());
  TORCH_CHECK(spatial == 2 || spatial == 3, "patch size must have 2 or 3 entries");

  // pad_nd_image: centred constant padding of the last `spatial` axes up to the patch.
  std::vector<int64_t> padBelow(3, 0), padAbove(3, 0);
  for (int64_t d = 0; d < spatial; ++d) {
    const int64_t axis = 3 - spatial + d, diff = std::max<int64_t>(patch[d] - data.size(axis + 1), 0);
    padBelow[axis] = diff / 2;
    padAbove[axis] = diff - diff / 2;
  }
  const torch::Tensor padded =
      torch::constant_pad_nd(data, {padBelow[2], padAbove[2], padBelow[1], padAbove[1], padBelow[0], padAbove[0]}, 0)
          .to(options.device);
  const std::vector<int64_t> size(padded.sizes().begin() + 1, padded.sizes().end());

  const auto steps = slidingWindowSteps(std::vector<int64_t>(size.end() - spatial, size.end()), patch,
                                        options.stepSize);
  // Tiles as (slice or -1, starts along the patch axes), in nnU-Net's order.
  std::vector<std::pair<int64_t, std::vector<int64_t>>> tiles;
  const int64_t slices = spatial == 2 ? size[0] : 1;
  for (int64_t s = 0; s < slices; ++s)
    for (int64_t a : steps[0])
      for (int64_t b : steps[1]) {
        if (spatial == 2) {
          tiles.push_back({s, {a, b}});
          continue;
        }
        for (int64_t c : steps[2]) tiles.push_back({-1, {a, b, c}});
      }

  const auto flips = mirrorCombinations(options.mirrorAxes);
  // float16 accumulators and weights, as nnU-Net's predicted_logits and n_predictions: where one tile's border
  // alone covers a voxel (an image's corners) the weights are fp16 subnormals, and fp16's rounding of
  // prediction * weight decides the mask there (a float32 sum would give another label).
  torch::Tensor gaussian = gaussianImportanceMap(patch).to(options.device, torch::kHalf);
  torch::Tensor logits = torch::zeros({heads, size[0], size[1], size[2]}, padded.options().dtype(torch::kHalf));
  torch::Tensor weights = torch::zeros({size[0], size[1], size[2]}, logits.options());
  const auto tileIndex = [&](size_t t, bool channels) {
    const auto& [slice, start] = tiles[t];
    std::vector<torch::indexing::TensorIndex> where;
    if (channels) where.emplace_back(Slice());
    if (spatial == 2) where.emplace_back(slice);
    for (int64_t d = 0; d < spatial; ++d) where.emplace_back(Slice(start[d], start[d] + patch[d]));
    return where;
  };
  int64_t batch = std::max<int64_t>(options.tileBatch, 1);
  bool copiesInOneCall = mirrorsInOneCall(options);
  for (size_t t = 0; t < tiles.size();) {
    if (cancelled && cancelled->load()) throw Error(ErrorKind::Cancelled, "cancelled");
    const size_t n = std::min(static_cast<size_t>(batch), tiles.size() - t);
    // On a GPU the last, smaller group is filled up with repeats of its last tile: every call then has one shape,
    // whose autotuning and graph capture are paid once (seconds), not again for the remainder.
    const size_t calls = options.device.is_cuda() ? std::min(static_cast<size_t>(batch), tiles.size()) : n;
    torch::Tensor prediction;
    try {
      std::vector<torch::Tensor> group;
      for (size_t i = 0; i < calls; ++i) group.push_back(padded.index(tileIndex(t + std::min(i, n - 1), true)));
      prediction = predictTiles(torch::stack(group), predictor, flips, copiesInOneCall);
      if (prediction.dim() != spatial + 2 || prediction.size(0) != static_cast<int64_t>(calls) ||
          prediction.size(1) != heads || !prediction.sizes().slice(2).equals(torch::IntArrayRef(patch)))
        throw Error(ErrorKind::Internal, "the network's logits do not match the patch size and the number of labels");
      prediction = prediction.narrow(0, 0, static_cast<int64_t>(n)).to(torch::kFloat);
    } catch (const c10::OutOfMemoryError&) {
      // Fall back step by step: a call per mirrored copy, fewer tiles per call, then the accumulators on the host,
      // then give up.
      if (copiesInOneCall) {
        copiesInOneCall = false;
      } else if (batch > 1) {
        batch /= 2;
      } else if (!logits.device().is_cpu()) {
        logits = logits.cpu();
        weights = weights.cpu();
        gaussian = gaussian.cpu();
      } else {
        throw Error(ErrorKind::Resources, "out of memory on " + options.device.str() + " for one " +
                                              sizeText(patch) + " tile, with the logits already on the host");
      }
      continue;
    }
    prediction = prediction.to(logits.device());
    // predicted_logits[sl] += prediction * gaussian: the product in float32, the sum rounded to float16.
    for (size_t i = 0; i < n; ++i) {
      logits.index(tileIndex(t + i, true)).add_(prediction[static_cast<int64_t>(i)] * gaussian);
      weights.index(tileIndex(t + i, false)).add_(gaussian);
    }
    t += n;
    if (progress) progress(static_cast<int64_t>(t), static_cast<int64_t>(tiles.size()));
  }
  logits /= weights;
  if (!torch::isfinite(logits).all().item<bool>())
    throw Error(ErrorKind::Internal, "the network produced non-finite logits");
  return logits.narrow(1, padBelow[0], data.size(1))
      .narrow(2, padBelow[1], data.size(2))
      .narrow(3, padBelow[2], data.size(3))
      .to(torch::kFloat)
      .contiguous();
}

}  // namespace krait
