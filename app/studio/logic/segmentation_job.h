#pragma once
// A segmentation run off the GUI thread: opens the model through the engine API (krait::Segmenter, the same
// as `krait segment`), segments the image in memory (no files), and hands back the label map on the image's
// grid. The window polls status() for its progress bar; cancel() stops it between tiles. The last model stays
// open, so a second run with the same model and options does not load it again. Qt-free, so tests and
// benchmarks drive it directly.
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "krait/base/volume.h"
#include "krait/engine/segmenter.h"

namespace krait::studio {

struct SegmentationRequest {
  std::string model;  // a stored model's name or a model folder
  SegmenterOptions options;
  Volume image;  // every channel the model takes, in its order
};

struct SegmentationStatus {
  bool running = false;
  std::string stage;  // "loading the model", "preprocess", "network", "export"
  int64_t done = 0, total = 0;
  std::string error;  // set when the run failed or was cancelled
};

struct SegmentationOutcome {
  Volume labels;                            // on the image's grid
  std::vector<models::LabelEntry> entries;  // names and colours: the manifest's, else dataset.json's
  std::string modelName;
  std::string modelVersion;  // the first 16 hex digits of its checksum, as `krait segment --seg` names it
  double seconds = 0.0;
};

class SegmentationJob {
 public:
  SegmentationJob() = default;
  SegmentationJob(const SegmentationJob&) = delete;
  SegmentationJob& operator=(const SegmentationJob&) = delete;
  ~SegmentationJob();  // cancels a running job and waits for it

  // Throws Error(Usage) while another run is going.
  void start(SegmentationRequest request);
  void cancel() { cancelled_ = true; }
  SegmentationStatus status() const;
  // The finished run's result, once; nullopt while running, after a failure or when already taken.
  std::optional<SegmentationOutcome> take();
  void wait();

 private:
  SegmentationOutcome run(const SegmentationRequest& request);
  void report(const std::string& stage, int64_t done, int64_t total);

  mutable std::mutex mutex_;
  std::thread thread_;
  std::atomic<bool> cancelled_{false};
  SegmentationStatus status_;
  std::optional<SegmentationOutcome> outcome_;
  // The model of the last run and what it was opened with (used by the job's thread only).
  std::unique_ptr<Segmenter> segmenter_;
  std::string openModel_;
  SegmenterOptions openOptions_;
};

}  // namespace krait::studio
