#include "krait/engine/segmenter.h"

#include <torch/torch.h>

#include <atomic>
#include <cmath>
#include <future>
#include <sstream>

#include "devices.h"
#include "krait/base/error.h"
#include "krait/base/process_memory.h"
#include "krait/engine/engine.h"
#include "krait/models/nnunet/model_folder.h"
#include "krait/pipeline/segmentation_pipeline.h"
#include "krait/pipeline/volume_tensor.h"

namespace fs = std::filesystem;

namespace krait {

struct Segmenter::Impl {
  SegmenterOptions options;
  torch::Device device = torch::kCPU;
  models::Precision precision = models::Precision::Float32;
  models::SegmentationModel model;
  models::ModelManifest manifest;
  std::vector<TilePredictor> predictors;

  // What every segmentation runs with: the options' step, tile batch, mirroring and device.
  PipelineOptions pipelineOptions() const {
    PipelineOptions p;
    p.stepSize = options.step;
    p.tileBatch = options.tileBatch;
    p.mirror = options.mirroring;
    p.device = device;
    return p;
  }

  // On a GPU: each fold's first network call, made while the caller reads the first image (declared last, so that
  // it is waited for before the predictors go).
  std::future<void> warmUp;
};

namespace {

void checkOptions(const SegmenterOptions& o) {
  if (!(o.step > 0.0 && o.step <= 1.0)) {
    std::ostringstream step;
    step << o.step;
    throw Error(ErrorKind::Usage, "the tile step must be in (0, 1], not " + step.str());
  }
  if (o.tileBatch < 1) throw Error(ErrorKind::Usage, "the tile batch must be 1 or more, not " + std::to_string(o.tileBatch));
}

// The stored model's name, labels and provenance; the rest as loaded (folds, checkpoint, checksum).
models::ModelManifest manifestOf(const models::SegmentationModel& model) {
  models::ModelManifest m = models::describeModel(model);
  if (fs::exists(model.folder / "manifest.json")) {
    const models::ModelManifest stored = models::readManifest(model.folder);
    // A stored model is what was imported: a file changed since (edited, corrupted, replaced) is refused rather
    // than reported under the model's name. Only the files loaded count (--folds may take fewer than stored).
    for (const auto& [file, hash] : m.files)
      if (const auto it = stored.files.find(file); it == stored.files.end() || it->second != hash)
        throw inputError((model.folder / file).string(), "does not match the model's manifest.json (sha256 " + hash.substr(0, 16) +
                                                             "...): the model changed after it was imported; `krait models verify " +
                                                             stored.name + "` lists what changed");
    m.name = stored.name;
    m.labels = stored.labels;
    m.source = stored.source;
  }
  return m;
}

std::string sourceName(const SegmentOptions& o, size_t i) {
  return i < o.sources.size() ? o.sources[i] : "input " + std::to_string(i + 1);
}

// The channels as one (C, Z, Y, X) float32 tensor, after checking their count and grids.
torch::Tensor channelTensor(const std::vector<Volume>& channels, const SegmentOptions& o, int64_t wanted) {
  if (channels.empty()) throw Error(ErrorKind::Usage, "no image to segment");
  int64_t count = 0;
  std::vector<torch::Tensor> parts;
  for (size_t i = 0; i < channels.size(); ++i) {
    const Volume& v = channels[i];
    if (v.empty()) throw inputError(sourceName(o, i), "holds no voxels");
    if (i > 0 && !v.geometry().sameAs(channels[0].geometry(), 1e-4))
      throw inputError(sourceName(o, i), "lies on another grid (size, spacing, origin or direction) than " + sourceName(o, 0));
    count += v.components();
    parts.push_back(toTensor(v).to(torch::kFloat));
  }
  if (count != wanted)
    throw inputError(sourceName(o, 0), "the model takes " + std::to_string(wanted) + " channel(s); the image has " +
                                           std::to_string(count));
  return parts.size() == 1 ? parts[0] : torch::cat(parts, 0);
}

std::vector<LabelVolume> labelVolumes(const torch::Tensor& labels, const Geometry& geometry,
                                      const models::DatasetDescription& dataset) {
  const double voxelMl = geometry.spacing[0] * geometry.spacing[1] * geometry.spacing[2] / 1000.0;
  const torch::Tensor counts = torch::bincount(labels.flatten().to(torch::kLong));
  std::vector<LabelVolume> out;
  for (const models::MaskLabel& label : models::maskLabels(dataset)) {
    const int64_t n = label.value < counts.size(0) ? counts[label.value].item<int64_t>() : 0;
    out.push_back({label.value, label.name, n, static_cast<double>(n) * voxelMl});
  }
  return out;
}

}  // namespace

Segmenter::Segmenter(const std::string& model, SegmenterOptions options) : impl_(std::make_unique<Impl>()) {
  if (!engineInitialised()) initEngine();
  checkOptions(options);
  impl_->device = engine::parseDevice(options.device);
  impl_->precision = engine::parsePrecisionFor(options.precision, impl_->device);
  const fs::path folder = models::resolveModel(model, models::modelStoreDir(options.modelStore.string()));
  if (options.checkpoint.empty())
    options.checkpoint = fs::exists(folder / "manifest.json") ? models::readManifest(folder).checkpointName : "checkpoint_final.pth";
  impl_->model = models::loadSegmentationModel(folder, options.folds, options.checkpoint);
  impl_->manifest = manifestOf(impl_->model);
  impl_->predictors = impl_->model.predictors(impl_->device, impl_->precision);
  impl_->options = std::move(options);
  if (impl_->device.is_cuda()) {
    // cuDNN's autotuning and the graph capture take seconds per fold (docs/benchmarks.md): a fresh process's first
    // case would wait for them after reading its image; here they overlap the read. Nothing else uses the GPU
    // meanwhile: segment() waits for this before its preprocessing starts.
    impl_->warmUp = std::async(std::launch::async, [plan = impl_->model.plan, predictors = impl_->predictors,
                                                    options = impl_->pipelineOptions()] {
      warmUpPredictors(plan, predictors, options);
    });
  }
}

Segmenter::~Segmenter() = default;
Segmenter::Segmenter(Segmenter&&) noexcept = default;
Segmenter& Segmenter::operator=(Segmenter&&) noexcept = default;

const models::ModelManifest& Segmenter::model() const { return impl_->manifest; }
const SegmenterOptions& Segmenter::options() const { return impl_->options; }

Segmentation Segmenter::segment(const std::vector<Volume>& channels, const SegmentOptions& o) {
  if (impl_->warmUp.valid()) impl_->warmUp.get();  // rethrows what went wrong there
  const models::SegmentationModel& model = impl_->model;
  const torch::Tensor image = channelTensor(channels, o, static_cast<int64_t>(model.dataset.channelNames.size()));
  const Geometry& g = channels[0].geometry();

  std::atomic<bool> cancelled{false};
  PipelineOptions p = impl_->pipelineOptions();
  p.probabilities = o.probabilities;
  p.cancelled = &cancelled;
  if (o.progress)
    p.progress = [&](const PipelineProgress& s) {
      if (!o.progress({s.stage, s.done, s.total})) cancelled = true;
    };
  const SegmentationResult result = runSegmentation(image, {g.spacing[2], g.spacing[1], g.spacing[0]}, model.plan,
                                                    impl_->predictors, p);

  Segmentation out;
  out.labels = fromTensor(result.labels, g);
  if (o.probabilities) out.probabilities = fromTensor(result.probabilities, g);
  SegmentationReport& r = out.report;
  r.device = impl_->device.str();
  r.precision = models::precisionName(impl_->precision);
  r.threads = at::get_num_threads();
  r.step = p.stepSize;
  r.tileBatch = impl_->options.tileBatch;
  if (p.mirror) r.mirrorAxes = model.plan.mirrorAxes;
  r.folds = impl_->manifest.folds;
  r.inputGrid = {image.size(1), image.size(2), image.size(3)};
  r.croppedGrid = result.record.shapeAfterCropping;
  r.networkGrid = result.networkGrid;
  r.targetSpacing = result.record.targetSpacing;
  r.preprocessSeconds = result.seconds.preprocess;
  r.networkSeconds = result.seconds.network;
  r.exportSeconds = result.seconds.exportStage;
  r.peakResidentGiB = peakResidentGiB();
  r.labels = labelVolumes(result.labels, g, model.dataset);
  return out;
}

}  // namespace krait
