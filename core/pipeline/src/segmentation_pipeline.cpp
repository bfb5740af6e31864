#include "krait/pipeline/segmentation_pipeline.h"

#include <c10/core/InferenceMode.h>
#include <torch/cuda.h>

#include <chrono>
#include <cmath>

#include "krait/base/error.h"
#include "krait/pipeline/segmentation_export.h"
#include "krait/base/stopwatch.h"

namespace krait {
namespace {

void checkInput(const torch::Tensor& image, const std::vector<double>& spacing, const InferencePlan& plan,
                size_t folds) {
  if (folds == 0) throw Error(ErrorKind::Usage, "no fold to predict with");
  if (image.dim() != 4) throw Error(ErrorKind::Internal, "runSegmentation needs (C, Z, Y, X) data");
  if (image.size(0) != static_cast<int64_t>(plan.channels.size()))
    throw Error(ErrorKind::Input, "the model expects " + std::to_string(plan.channels.size()) +
                                      " input channel(s), the image has " + std::to_string(image.size(0)));
  for (double s : spacing)
    if (!(std::isfinite(s) && s > 0.0))
      throw Error(ErrorKind::Input, "voxel spacing must be finite and positive, got " + std::to_string(s));
  if (!torch::isfinite(image).all().item<bool>())
    throw Error(ErrorKind::Input, "the image holds NaN or infinite voxels");
}

SlidingWindowOptions windowOptions(const InferencePlan& plan, const PipelineOptions& options) {
  SlidingWindowOptions window{plan.patchSize, options.stepSize, {}, options.device, options.tileBatch};
  if (options.mirror) window.mirrorAxes = plan.mirrorAxes;
  return window;
}

}  // namespace

void warmUpPredictors(const InferencePlan& plan, const std::vector<TilePredictor>& folds, const PipelineOptions& options) {
  const SlidingWindowOptions window = windowOptions(plan, options);
  for (const TilePredictor& fold : folds) warmUpPredictor(fold, static_cast<int64_t>(plan.channels.size()), window);
}

SegmentationResult runSegmentation(const torch::Tensor& image, const std::vector<double>& spacing,
                                   const InferencePlan& plan, const std::vector<TilePredictor>& folds,
                                   const PipelineOptions& options) {
  checkInput(image, spacing, plan, folds.size());
  c10::InferenceMode inference;
  // A cancel is honoured at every stage's start and end as well as between tiles, so that one asked for while the
  // image is preprocessed or the labels exported gives no result either.
  auto report = [&](const std::string& stage, int64_t done, int64_t total) {
    if (options.progress) options.progress({stage, done, total});
    if (options.cancelled && options.cancelled->load()) throw Error(ErrorKind::Cancelled, "cancelled");
  };
  SegmentationResult result;

  auto start = std::chrono::steady_clock::now();
  report("preprocess", 0, 1);
  Preprocessed pre = preprocess(image, spacing, plan, options.device);
  // Work on a GPU is queued: waiting for it gives the stage its own time rather than the network's.
  if (options.device.is_cuda()) torch::cuda::synchronize(options.device.index());
  result.record = pre.record;
  result.networkGrid = {pre.data.size(1), pre.data.size(2), pre.data.size(3)};
  result.seconds.preprocess = secondsSince(start);
  report("preprocess", 1, 1);

  start = std::chrono::steady_clock::now();
  const SlidingWindowOptions window = windowOptions(plan, options);
  torch::Tensor logits;
  for (size_t f = 0; f < folds.size(); ++f) {
    auto tileDone = [&](int64_t done, int64_t total) {
      report("network", static_cast<int64_t>(f) * total + done, static_cast<int64_t>(folds.size()) * total);
    };
    torch::Tensor foldLogits = predictSlidingWindow(pre.data, plan.segmentationHeads, folds[f], window, tileDone,
                                                    options.cancelled);
    // nnU-Net sums the folds' float16 logits in float16 and divides in float16.
    logits = logits.defined() ? logits.add_(foldLogits).to(torch::kHalf).to(torch::kFloat) : foldLogits;
  }
  if (folds.size() > 1) logits = (logits / static_cast<double>(folds.size())).to(torch::kHalf).to(torch::kFloat);
  pre.data = torch::Tensor();
  result.seconds.network = secondsSince(start);

  start = std::chrono::steady_clock::now();
  report("export", 0, 1);
  ExportedSegmentation exported = exportSegmentation(logits.to(torch::kHalf), plan, result.record, options.probabilities);
  result.labels = exported.labels;
  result.probabilities = exported.probabilities;
  result.seconds.exportStage = secondsSince(start);
  report("export", 1, 1);
  return result;
}

}  // namespace krait
