#pragma once
// The engine API: open a model once, then segment volumes with it — what `krait segment`, `krait batch` and
// krait-studio all call, so that the same model, options and image give the same mask everywhere. A Segmenter
// runs nnU-Net's prediction (nnUNetPredictor: preprocessing, sliding window over every fold, export) with
// Krait's networks or a plugin's. LibTorch-free header (the engine keeps LibTorch inside libkrait).
#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "krait/base/volume.h"
#include "krait/models/nnunet/model_store.h"

namespace krait {

struct SegmenterOptions {
  std::string device = "cpu";     // "cpu", "cuda" or "cuda:N" (computeDevices())
  std::string precision = "fp32";  // "fp32"; on a GPU also "fp16" or "bf16" (as nnU-Net's autocast)
  double step = 0.5;               // nnU-Net's tile_step_size, in (0, 1]
  bool mirroring = true;           // test-time mirroring over the checkpoint's allowed axes, as nnUNetv2_predict
  int tileBatch = 1;               // tiles per network call (halved when the GPU runs out of memory)
  std::vector<std::string> folds;  // folds to ensemble; empty: every fold_<f> holding the checkpoint
  std::string checkpoint;          // each fold's file; empty: the stored model's, else checkpoint_final.pth
  std::filesystem::path modelStore;  // where model names are looked up; empty: models::modelStoreDir()
};

// How far a long piece of work is (a segmentation, a plugin's classification).
struct Progress {
  std::string stage;            // a segmentation's: "preprocess", "network", "export"
  int64_t done = 0, total = 0;  // a segmentation's: tiles over all folds in "network", else 0 / 1
};
// Called as the work goes on; returning false cancels it (a segmentation at once, whatever its stage), which then throws
// Error(Cancelled).
using ProgressCallback = std::function<bool(const Progress&)>;

struct SegmentOptions {
  bool probabilities = false;        // also return the class probabilities
  std::vector<std::string> sources;  // a name per input volume for messages (file paths); may be empty
  ProgressCallback progress;
};

struct LabelVolume {
  int value = 0;
  std::string name;
  int64_t voxels = 0;
  double ml = 0.0;
};

struct SegmentationReport {
  std::string device, precision;
  int threads = 1;
  double step = 0.5;
  int tileBatch = 1;
  std::vector<int> mirrorAxes;  // the axes mirrored; empty without mirroring
  std::vector<std::string> folds;
  std::array<int64_t, 3> inputGrid{}, croppedGrid{};  // (z, y, x)
  std::vector<int64_t> networkGrid;                   // (z, y, x) the networks saw
  std::vector<double> targetSpacing;
  double preprocessSeconds = 0.0, networkSeconds = 0.0, exportSeconds = 0.0;
  double peakResidentGiB = 0.0;
  std::vector<LabelVolume> labels;  // every label the model writes, in dataset.json order
};

struct Segmentation {
  Volume labels;         // on the input's grid: UInt8, or Int32 past 255 labels
  Volume probabilities;  // one channel per class (float32) when asked for, else empty
  SegmentationReport report;
};

class Segmenter {
 public:
  // `model`: a stored model's name or a model folder (nnU-Net's, or a stored one). Loads every fold strictly.
  // Throws Error(Usage) for bad options, Error(Input) for a model that cannot be found or loaded.
  explicit Segmenter(const std::string& model, SegmenterOptions options = {});
  ~Segmenter();
  Segmenter(Segmenter&&) noexcept;
  Segmenter& operator=(Segmenter&&) noexcept;

  // The model as loaded: stored names and colours where it is a stored model, the folds in use, its checksum.
  const models::ModelManifest& model() const;
  const SegmenterOptions& options() const;

  // The model's input channels in order: one volume per channel, or volumes of several components, all on one
  // grid. Throws Error(Input) naming the source for a wrong channel count or grid; not for concurrent use.
  Segmentation segment(const std::vector<Volume>& channels, const SegmentOptions& options = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace krait
