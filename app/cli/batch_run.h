#pragma once
// The cases of a krait batch, shared by its workers (one per device). Each worker keeps its device busy with three
// threads: a reader reads and decodes the next case while the worker's own thread segments the current one, and
// a writer writes the previous case's mask, probabilities and report meanwhile, both at the lowest CPU priority.
// A worker holds at most one case read ahead and one being written (case_handoff.h), and reports its cases in the
// order it took them.
#include <atomic>
#include <exception>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "batch_cases.h"
#include "batch_console.h"
#include "case_handoff.h"
#include "krait/engine/segmenter.h"

namespace krait::cli {

struct BatchSettings {
  std::filesystem::path outDir;
  std::string ext;  // the masks' (".nii.gz", ...)
  bool probabilities = false;
  std::string checksum;  // the model's: every report names it, and cases done with it are skipped
  bool asJson = false, quiet = false, showProgress = false;
};

class BatchRun {
 public:
  BatchRun(const std::vector<BatchCase>& cases, BatchSettings settings, const std::atomic<bool>* interrupted);

  // One worker's share of the cases: the next case in turn until none is left, the user interrupts (cases
  // segmented by then are still written) or the batch stops.
  void work(Segmenter& segmenter);

  // Once every worker has returned: rethrows the first failure that was not a case's own (an output that
  // cannot be written, ...), which stopped the batch.
  void rethrowFailure() const;
  bool cancelled() const { return cancelled_; }
  int done() const { return done_; }
  int skipped() const { return skipped_; }
  int failed() const { return failed_; }

 private:
  struct WorkerCase;
  using Handoff = CaseHandoff<WorkerCase>;

  void readCases(const Segmenter& segmenter, Handoff& reads);
  void segmentCases(Segmenter& segmenter, Handoff& reads, Handoff& writes);
  void writeCases(const Segmenter& segmenter, Handoff& writes);
  // Writes the case's outputs (when segmented) and its report, and says how it went.
  void finish(const Segmenter& segmenter, WorkerCase c);
  void guarded(const std::function<void()>& stage);

  const std::vector<BatchCase>& cases_;
  const BatchSettings settings_;
  const std::atomic<bool>* interrupted_;
  BatchConsole console_;
  std::atomic<size_t> next_{0};
  std::atomic<int> done_{0}, skipped_{0}, failed_{0};
  std::atomic<bool> cancelled_{false}, stop_{false};
  mutable std::mutex failureMutex_;
  std::exception_ptr failure_;
};

}  // namespace krait::cli
