#include "case_runner.h"

#include <chrono>

#include "case_input.h"
#include "krait/core/memory.h"
#include "krait/core/stopwatch.h"
#include "krait/core/volume_tensor.h"
#include "segmentation_report.h"

namespace krait::cli {
nlohmann::json runCase(const models::SegmentationModel& model, const std::vector<TilePredictor>& predictors,
                       const CaseRun& run, PipelineOptions options, int threads) {
  resetPeakMemory();
  const auto channels = static_cast<int64_t>(model.dataset.channelNames.size());
  auto start = std::chrono::steady_clock::now();
  const CaseInput input = readCase(channelFiles(run.inputs, channels), channels, run.read);
  const double readSeconds = secondsSince(start);

  options.probabilities = !run.probabilities.empty();
  const SegmentationResult result = runSegmentation(input.image, input.spacing, model.plan, predictors, options);

  start = std::chrono::steady_clock::now();
  if (options.probabilities) io::writeVolume(fromTensor(result.probabilities, input.geometry), run.probabilities);
  io::writeVolume(fromTensor(result.labels, input.geometry), run.output);
  const double writeSeconds = secondsSince(start);

  nlohmann::json report = segmentationReport(model, input, result, options, threads);
  report["output"] = run.output.string();
  if (options.probabilities) report["probabilities"] = run.probabilities.string();
  report["seconds"]["read"] = readSeconds;
  report["seconds"]["write"] = writeSeconds;
  return report;
}

}  // namespace krait::cli
