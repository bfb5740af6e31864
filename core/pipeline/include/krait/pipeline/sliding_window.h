#pragma once
// nnU-Net's sliding-window prediction (nnunetv2/inference/predict_from_raw_data.py and
// sliding_window_prediction.py): centred zero padding up to the patch, its step formula, the Gaussian
// importance map and mirroring over the allowed axes. Logits are accumulated in float16 as nnU-Net accumulates
// them: where a voxel lies only under one tile's border (an image's corners) the Gaussian weights are float16
// subnormals and that rounding decides the label.
#include <atomic>
#include <functional>
#include <vector>

#include <torch/types.h>

namespace krait {

// A network: (N, C, *patch) float32 in, (N, heads, *patch) logits out, on `device` (N: SlidingWindowOptions::tileBatch
// or fewer, times the mirrored copies on a GPU).
using TilePredictor = std::function<torch::Tensor(const torch::Tensor&)>;

// Called after each tile with (tiles done, tiles in all).
using TileProgress = std::function<void(int64_t, int64_t)>;

struct SlidingWindowOptions {
  std::vector<int64_t> patchSize;  // 2 entries: every Z slice is predicted in 2D
  double stepSize = 0.5;           // tile_step_size, in (0, 1]
  std::vector<int> mirrorAxes;     // empty: no mirroring
  torch::Device device = torch::kCPU;
  // Tiles per network call: on a GPU a batch keeps more of it busy (norm kernels parallel over batch x channels).
  // On a GPU each call also takes the tiles' mirrored copies. On out-of-memory the mirrored copies get calls of
  // their own, then the batch is halved, then the logits move to the host, then Error(Resources) is thrown.
  int64_t tileBatch = 1;
};

// Runs `predictor` once on zeros of the shape of predictSlidingWindow's network calls (for an image of at least
// options.tileBatch tiles) with `channels` input channels, and drops the result. On a GPU the first call of a shape
// pays cuDNN's autotuning and the graph capture (seconds): a caller that has this done while the image is still being
// read does not wait for them. Out of memory is not an error here: the sliding window has its own fallbacks.
void warmUpPredictor(const TilePredictor& predictor, int64_t channels, const SlidingWindowOptions& options);

// compute_steps_for_sliding_window: tile starts per axis.
std::vector<std::vector<int64_t>> slidingWindowSteps(const std::vector<int64_t>& imageSize,
                                                     const std::vector<int64_t>& tileSize, double stepSize);

// compute_gaussian(sigma_scale 1/8, value_scaling_factor 10) in float16, returned as float32.
torch::Tensor gaussianImportanceMap(const std::vector<int64_t>& patchSize);

// Logits (heads, Z, Y, X) on options.device for (C, Z, Y, X) data: float16 values (nnU-Net's), as float32. Checks `cancelled` between tiles and
// throws Error(Cancelled) when it is set.
torch::Tensor predictSlidingWindow(const torch::Tensor& data, int64_t heads, const TilePredictor& predictor,
                                   const SlidingWindowOptions& options, const TileProgress& progress = {},
                                   const std::atomic<bool>* cancelled = nullptr);

}  // namespace krait
