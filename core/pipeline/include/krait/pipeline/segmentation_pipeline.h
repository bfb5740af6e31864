#pragma once
// The whole nnU-Net prediction of one image, as nnUNetPredictor runs it: preprocess, sliding window per fold
// (logits averaged over folds), export. Front ends give it the image, the plan and one TilePredictor per
// fold; it reports its stages and tiles and can be cancelled at each stage's start and end and between tiles.
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "krait/pipeline/inference_plan.h"
#include "krait/pipeline/preprocess.h"
#include "krait/pipeline/sliding_window.h"

namespace krait {

struct PipelineProgress {
  std::string stage;  // "preprocess", "network", "export"
  int64_t done = 0, total = 0;  // tiles over all folds in "network", else 0 / 1
};

struct PipelineOptions {
  double stepSize = 0.5;
  int64_t tileBatch = 1;       // tiles per network call (SlidingWindowOptions::tileBatch)
  bool mirror = false;         // test-time mirroring over the plan's mirrorAxes
  bool probabilities = false;  // also return the probabilities
  torch::Device device = torch::kCPU;
  std::function<void(const PipelineProgress&)> progress;
  const std::atomic<bool>* cancelled = nullptr;
};

struct StageSeconds {
  double preprocess = 0.0, network = 0.0, exportStage = 0.0;
};

struct SegmentationResult {
  torch::Tensor labels;         // (Z, Y, X), stored voxel order of the input
  torch::Tensor probabilities;  // (heads, Z, Y, X) when asked for
  PreprocessRecord record;
  std::vector<int64_t> networkGrid;  // (Z, Y, X) shape the networks saw
  StageSeconds seconds;
};

// Each fold's first network call, with the shape runSegmentation's sliding window will give it (warmUpPredictor):
// on a GPU, cuDNN's autotuning and the graph capture, done before an image is at hand.
void warmUpPredictors(const InferencePlan& plan, const std::vector<TilePredictor>& folds, const PipelineOptions& options);

// image: (C, Z, Y, X) float32; spacing (z, y, x) mm, finite and positive.
SegmentationResult runSegmentation(const torch::Tensor& image, const std::vector<double>& spacing,
                                   const InferencePlan& plan, const std::vector<TilePredictor>& folds,
                                   const PipelineOptions& options);

}  // namespace krait
