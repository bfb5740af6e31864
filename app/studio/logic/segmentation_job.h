#pragma once
// A segmentation run off the GUI thread: loads the model, runs the same pipeline as `krait segment` on the
// image in memory (no files), and hands back the label map on the image's grid. The window polls status()
// for its progress bar; cancel() stops it between tiles. Qt-free, so tests and benchmarks drive it directly.
#include <atomic>
#include <functional>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <torch/types.h>

#include "krait/core/volume.h"
#include "krait/models/model_store.h"
#include "krait/models/precision.h"

namespace krait::studio {

struct SegmentationRequest {
  std::filesystem::path model;  // an nnU-Net model folder or a stored model's folder
  torch::Device device = torch::kCPU;
  models::Precision precision = models::Precision::Float32;
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
  double seconds = 0.0;
};

// The labels a model folder names: its manifest.json's (a stored model) or dataset.json's with the default
// colours.
std::vector<models::LabelEntry> modelLabels(const std::filesystem::path& modelFolder);

// Runs `request` on the calling thread (what the job's thread does). Throws krait::Error.
using ProgressReport = std::function<void(const std::string& stage, int64_t done, int64_t total)>;
SegmentationOutcome segmentVolume(const SegmentationRequest& request, const ProgressReport& progress,
                                  const std::atomic<bool>* cancelled);

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
  mutable std::mutex mutex_;
  std::thread thread_;
  std::atomic<bool> cancelled_{false};
  SegmentationStatus status_;
  std::optional<SegmentationOutcome> outcome_;
};

}  // namespace krait::studio
