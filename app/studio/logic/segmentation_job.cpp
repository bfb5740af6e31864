#include "segmentation_job.h"

#include <chrono>

#include "krait/base/error.h"
#include "krait/base/stopwatch.h"

namespace krait::studio {
namespace {

bool sameOptions(const SegmenterOptions& a, const SegmenterOptions& b) {
  return a.device == b.device && a.precision == b.precision && a.step == b.step && a.mirroring == b.mirroring &&
         a.tileBatch == b.tileBatch && a.folds == b.folds && a.checkpoint == b.checkpoint && a.modelStore == b.modelStore;
}

}  // namespace

SegmentationJob::~SegmentationJob() {
  cancel();
  wait();
}

void SegmentationJob::report(const std::string& stage, int64_t done, int64_t total) {
  const std::lock_guard<std::mutex> lock(mutex_);
  status_.stage = stage, status_.done = done, status_.total = total;
}

SegmentationOutcome SegmentationJob::run(const SegmentationRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  if (request.image.empty()) throw Error(ErrorKind::Usage, "no image to segment");
  if (!segmenter_ || openModel_ != request.model || !sameOptions(openOptions_, request.options)) {
    report("loading the model", 0, 1);
    segmenter_.reset();  // the old model's memory goes before the new one loads
    segmenter_ = std::make_unique<Segmenter>(request.model, request.options);
    openModel_ = request.model;
    openOptions_ = request.options;
  }
  SegmentOptions options;
  options.sources = {"the open image"};
  options.progress = [this](const Progress& p) {
    report(p.stage, p.done, p.total);
    return !cancelled_;
  };
  SegmentationOutcome outcome;
  outcome.labels = segmenter_->segment({request.image}, options).labels;
  outcome.entries = segmenter_->model().labels;
  outcome.modelName = segmenter_->model().name;
  outcome.modelVersion = models::modelVersion(segmenter_->model());
  outcome.seconds = secondsSince(start);
  return outcome;
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
    std::optional<SegmentationOutcome> outcome;
    std::string error;
    try {
      outcome = run(request);
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
