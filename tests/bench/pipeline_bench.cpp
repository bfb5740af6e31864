// pipeline_bench [--threads N] [--network NAME] [--device cpu|cuda] [--precision P] IMAGE...: end-to-end time of
// `krait segment` for each image with a production-size network (tests/fixtures/networks/production, random weights: speed does not
// depend on their values), split into the stages read, preprocess, network, export and write, with the
// process's peak resident memory. The non-network share is what the pipeline itself costs.
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstring>

#include "krait/base/process_memory.h"
#include "krait/pipeline/memory.h"
#include "krait/pipeline/segmentation_pipeline.h"
#include "krait/base/stopwatch.h"
#include "krait/pipeline/threads.h"
#include "krait/pipeline/volume_tensor.h"
#include "krait/io/volume_io.h"
#include "krait/models/nnunet/plans.h"
#include "krait/models/nnunet/model_folder.h"
#include "production_network.h"

namespace fs = std::filesystem;
using namespace krait;

int main(int argc, char** argv) {
  int threads = 0;
  std::string name = "umamba_bot_3d";
  torch::Device device(torch::kCPU);
  std::string precision = "fp32";
  std::vector<std::string> images;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--network") && i + 1 < argc) name = argv[++i];
    else if (!std::strcmp(argv[i], "--device") && i + 1 < argc) device = torch::Device(argv[++i]);
    else if (!std::strcmp(argv[i], "--precision") && i + 1 < argc) precision = argv[++i];
    else images.push_back(argv[i]);
  }
  if (images.empty()) {
    std::fprintf(stderr, "usage: pipeline_bench [--threads N] [--network NAME] [--device cpu|cuda] "
                         "[--precision fp32|fp16|bf16] IMAGE...\n");
    return 2;
  }
  keepFreedMemoryForReuse();
  std::printf("threads %d, network %s, device %s, %s\n", configureThreads(threads), name.c_str(),
              device.str().c_str(), precision.c_str());

  const auto production = bench::productionNetwork(name);
  const InferencePlan plan = models::readInferencePlan(production.plans, production.dataset, production.configuration);
  // The predictor `krait segment` builds (SegmentationModel::predictors), around the one production network.
  models::SegmentationModel model;
  model.folds.push_back({"bench", {}, production.net});
  const TilePredictor predictor = model.predictors(device, models::parsePrecision(precision)).front();

  std::printf("| image | grid (network) | tiles | read s | preprocess s | network s | export s | write s | "
              "non-network share | peak RSS GiB |\n|---|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& image : images) {
    auto start = std::chrono::steady_clock::now();
    const Volume v = io::readVolume(image);
    const double read = secondsSince(start);
    const Vec3& s = v.geometry().spacing;
    int64_t tiles = 0;
    PipelineOptions options;
    options.device = device;
    options.progress = [&](const PipelineProgress& p) {
      if (p.stage == "network") tiles = p.total;
    };
    const SegmentationResult r = runSegmentation(toTensor(v).to(torch::kFloat), {s[2], s[1], s[0]}, plan, {predictor}, options);
    start = std::chrono::steady_clock::now();
    const fs::path out = fs::temp_directory_path() / "pipeline_bench_mask.nii.gz";
    io::writeVolume(fromTensor(r.labels, v.geometry()), out);
    const double write = secondsSince(start);
    fs::remove(out);
    const double network = r.seconds.network;
    const double total = read + r.seconds.preprocess + network + r.seconds.exportStage + write;
    std::printf("| %s | %lld x %lld x %lld | %lld | %.2f | %.2f | %.1f | %.2f | %.2f | %.1f %% | %.2f |\n",
                fs::path(image).filename().c_str(), static_cast<long long>(r.networkGrid[0]),
                static_cast<long long>(r.networkGrid[1]), static_cast<long long>(r.networkGrid[2]),
                static_cast<long long>(tiles), read, r.seconds.preprocess, network, r.seconds.exportStage, write,
                100.0 * (total - network) / total, peakResidentGiB());
    std::fflush(stdout);
  }
  return 0;
}
