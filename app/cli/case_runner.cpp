#include "case_runner.h"

#include <chrono>

#include "case_input.h"
#include "json_numbers.h"
#include "krait/base/process_memory.h"
#include "krait/base/stopwatch.h"
#include "krait/engine/build_info.h"
#include "segmentation_options.h"

namespace krait::cli {

nlohmann::json runCase(Segmenter& segmenter, const CaseRun& run, const ProgressCallback& progress) {
  resetPeakMemory();
  auto start = std::chrono::steady_clock::now();
  const CaseInput input = readCase(channelFiles(run.inputs, static_cast<int64_t>(segmenter.model().channels.size())), run.read);
  const double readSeconds = secondsSince(start);

  SegmentOptions options;
  options.probabilities = !run.probabilities.empty();
  for (const auto& f : input.files) options.sources.push_back(f.string());
  options.progress = progress;
  const Segmentation result = segmenter.segment(input.volumes, options);

  start = std::chrono::steady_clock::now();
  const io::WriteOptions written{fileNote(segmenter.model().name)};  // "krait 0.1.0+bc7d9b5 demo-t1-brain"
  if (options.probabilities) io::writeVolume(result.probabilities, run.probabilities, written);
  if (run.seg) writeSeg(result.labels, *run.seg);
  if (!run.output.empty()) io::writeVolume(result.labels, run.output, written);
  const double writeSeconds = secondsSince(start);

  nlohmann::json report = segmentationReport(segmenter, result.report, options.sources);
  if (!run.output.empty()) report["output"] = run.output.string();
  if (run.seg) report["seg"] = run.seg->file.string();
  if (options.probabilities) report["probabilities"] = run.probabilities.string();
  report["seconds"]["read"] = decimals(readSeconds, 3);
  report["seconds"]["write"] = decimals(writeSeconds, 3);
  return report;
}

}  // namespace krait::cli
