#include "case_runner.h"

#include <chrono>
#include <memory>

#include "json_numbers.h"
#include "krait/base/atomic_output.h"
#include "krait/base/process_memory.h"
#include "krait/base/stopwatch.h"
#include "krait/engine/build_info.h"
#include "segmentation_options.h"

namespace krait::cli {

nlohmann::json runCase(Segmenter& segmenter, const CaseRun& run, const ProgressCallback& progress) {
  resetPeakMemory();
  return writeCaseOutputs(segmenter, run, segmentCase(segmenter, run, readCaseInputs(segmenter, run), progress));
}

ReadCase readCaseInputs(const Segmenter& segmenter, const CaseRun& run) {
  const auto start = std::chrono::steady_clock::now();
  ReadCase read{readCase(channelFiles(run.inputs, static_cast<int64_t>(segmenter.model().channels.size())), run.read), 0.0};
  read.seconds = secondsSince(start);
  return read;
}

SegmentedCase segmentCase(Segmenter& segmenter, const CaseRun& run, ReadCase read, const ProgressCallback& progress) {
  SegmentOptions options;
  options.probabilities = !run.probabilities.empty();
  for (const auto& f : read.input.files) options.sources.push_back(f.string());
  options.progress = progress;
  Segmentation result = segmenter.segment(read.input.volumes, options);
  return {std::move(result), std::move(options.sources), read.seconds};
}

nlohmann::json writeCaseOutputs(const Segmenter& segmenter, const CaseRun& run, const SegmentedCase& segmented) {
  const Segmentation& result = segmented.result;
  const auto start = std::chrono::steady_clock::now();
  const io::WriteOptions written{fileNote(segmenter.model().name)};  // "krait 0.1.0+bc7d9b5 demo-t1-brain"
  // Every output is written before any is moved into place: one that cannot be written (a full disk) leaves no
  // other of this case behind, and what their paths held before stays as it was. The SEG moves itself into place
  // once whole, so it comes after the volumes are staged; the mask moves last, so that no mask is without its
  // probabilities.
  std::unique_ptr<AtomicOutput> mask, probabilities;
  if (!run.output.empty()) mask = io::stageVolume(result.labels, run.output, written);
  if (!run.probabilities.empty()) probabilities = io::stageVolume(result.probabilities, run.probabilities, written);
  if (run.seg) writeSeg(result.labels, *run.seg);
  if (probabilities) probabilities->commit();
  if (mask) mask->commit();
  const double writeSeconds = secondsSince(start);

  nlohmann::json report = segmentationReport(segmenter, result.report, segmented.sources);
  if (!run.output.empty()) report["output"] = run.output.string();
  if (run.seg) report["seg"] = run.seg->file.string();
  if (!run.probabilities.empty()) report["probabilities"] = run.probabilities.string();
  report["seconds"]["read"] = decimals(segmented.readSeconds, 3);
  report["seconds"]["write"] = decimals(writeSeconds, 3);
  return report;
}

}  // namespace krait::cli
