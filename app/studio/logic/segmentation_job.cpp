#include "segmentation_job.h"

#include <chrono>

#include "krait/core/error.h"
#include "krait/core/segmentation_pipeline.h"
#include "krait/core/stopwatch.h"
#include "krait/core/volume_tensor.h"
#include "krait/models/segmentation_model.h"

namespace fs = std::filesystem;

namespace krait::studio {

std::vector<models::LabelEntry> modelLabels(const fs::path& modelFolder) {
  if (fs::exists(modelFolder / "manifest.json")) return models::readManifest(modelFolder).labels;
  return models::datasetLabelEntries(models::readDatasetDescription(modelFolder / "dataset.json"));
}

SegmentationOutcome segmentVolume(const SegmentationRequest& request, const ProgressReport& progress,
                                  const std::atomic<bool>* cancelled) {
  const auto start = std::chrono::steady_clock::now();
  if (request.image.empty()) throw Error(ErrorKind::Usage, "no image to segment");
  progress("loading the model", 0, 1);
  const models::SegmentationModel model = models::loadSegmentationModel(request.model);
  const auto channels = static_cast<int>(model.dataset.channelNames.size());
  if (request.image.components() != channels)
    throw Error(ErrorKind::Input, "the model " + request.model.filename().string() + " takes " + std::to_string(channels) +
                                      " channel(s); the image has " + std::to_string(request.image.components()));
  PipelineOptions options;
  options.device = request.device;
  options.cancelled = cancelled;
  options.progress = [&progress](const PipelineProgress& p) { progress(p.stage, p.done, p.total); };
  const Geometry& g = request.image.geometry();
  const SegmentationResult result =
      runSegmentation(toTensor(request.image).to(torch::kFloat), {g.spacing[2], g.spacing[1], g.spacing[0]}, model.plan,
                      model.predictors(request.device, request.precision), options);
  SegmentationOutcome outcome;
  outcome.labels = fromTensor(result.labels, g);
  outcome.entries = modelLabels(request.model);
  outcome.modelName = request.model.filename().string();
  outcome.seconds = secondsSince(start);
  return outcome;
}

SegmentationJob::~SegmentationJob() {
  cancel();
  wait();
}

void SegmentationJob::start(SegmentationRequest request) {
  if (status().running) throw Error(ErrorKind::Usage, "a segmentation is already running");
  wait();
  cancelled_ = false;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    status_ = SegmentationStatus{true, "starting", 0, 0, {}};
    outcome_.reset();
  }
  thread_ = std::thread([this, request = std::move(request)] {
    const auto report = [this](const std::string& stage, int64_t done, int64_t total) {
      const std::lock_guard<std::mutex> lock(mutex_);
      status_.stage = stage, status_.done = done, status_.total = total;
    };
    std::optional<SegmentationOutcome> outcome;
    std::string error;
    try {
      outcome = segmentVolume(request, report, &cancelled_);
    } catch (const std::exception& e) {
      error = e.what();
    }
    const std::lock_guard<std::mutex> lock(mutex_);
    status_.running = false;
    status_.error = error;
    outcome_ = std::move(outcome);
  });
}

SegmentationStatus SegmentationJob::status() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return status_;
}

std::optional<SegmentationOutcome> SegmentationJob::take() {
  const std::lock_guard<std::mutex> lock(mutex_);
  std::optional<SegmentationOutcome> out = std::move(outcome_);
  outcome_.reset();
  return out;
}

void SegmentationJob::wait() {
  if (thread_.joinable()) thread_.join();
}

}  // namespace krait::studio
