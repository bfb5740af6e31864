// pipeline_bench [--threads N] [--network NAME] [--device cpu|cuda] [--precision P] [--mirror] [--tile-batch N]
// [--no-autotune] IMAGE...: end-to-end time of `krait segment` for each image with a production-size network (tests/fixtures/networks/production, random weights: speed does not
// depend on their values), split into the stages read, preprocess, network, export and write, with the
// process's peak resident memory. The non-network share is what the pipeline itself costs. "first tile s" is the
// network stage's first call: in a process's first case, cuDNN's autotuning (--no-autotune: its heuristics) and the
// graph capture.
// pipeline_bench [--network NAME] --write-model FOLDER: that network as a model folder, for timing the CLI itself.
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "krait/base/process_memory.h"
#include "krait/pipeline/memory.h"
#include "krait/pipeline/segmentation_pipeline.h"
#include "krait/base/stopwatch.h"
#include "krait/pipeline/threads.h"
#include "krait/pipeline/volume_tensor.h"
#include "krait/io/volume_io.h"
#include "krait/models/nnunet/plans.h"
#include "krait/models/nnunet/checkpoint_writer.h"
#include "krait/models/nnunet/model_folder.h"
#include "production_network.h"

namespace fs = std::filesystem;
using namespace krait;

namespace {

std::string fileText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every spatial axis of the network's patch: the mirroring nnU-Net's trainers allow by default.
std::vector<int> everyAxis(const bench::ProductionNetwork& production) {
  std::vector<int> axes(production.plan.patchSize.size());
  for (size_t a = 0; a < axes.size(); ++a) axes[a] = static_cast<int>(a);
  return axes;
}

// The production network as an nnU-Net model folder (plans.json, dataset.json, fold_0/checkpoint_final.pth, mirroring
// over every spatial axis), so that `krait segment` and `krait batch` can be
// timed in fresh processes with it.
void writeModelFolder(const bench::ProductionNetwork& production, const fs::path& folder) {
  fs::create_directories(folder / "fold_0");
  fs::copy_file(production.plans, folder / "plans.json", fs::copy_options::overwrite_existing);
  fs::copy_file(production.dataset, folder / "dataset.json", fs::copy_options::overwrite_existing);
  models::CheckpointInfo info;
  info.trainerName = production.trainerName;
  info.plansJson = fileText(production.plans);
  info.datasetJson = fileText(production.dataset);
  info.configuration = production.configuration;
  info.fold = "0";
  info.mirroringAxes = everyAxis(production);
  models::writeNnunetCheckpoint(folder / "fold_0" / "checkpoint_final.pth", *production.net, info);
}

}  // namespace

int main(int argc, char** argv) {
  // "since start": a fresh process's first case includes building the network, CUDA's start and cuDNN's autotuning.
  const auto processStart = std::chrono::steady_clock::now();
  int threads = 0;
  std::string name = "umamba_bot_3d";
  torch::Device device(torch::kCPU);
  std::string precision = "fp32";
  bool mirror = false;
  bool autotune = true;
  int64_t tileBatch = 1;
  bool unknown = false;
  std::string modelFolder;
  std::vector<std::string> images;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--network") && i + 1 < argc) name = argv[++i];
    else if (!std::strcmp(argv[i], "--device") && i + 1 < argc) device = torch::Device(argv[++i]);
    else if (!std::strcmp(argv[i], "--precision") && i + 1 < argc) precision = argv[++i];
    else if (!std::strcmp(argv[i], "--mirror")) mirror = true;
    else if (!std::strcmp(argv[i], "--no-autotune")) autotune = false;
    else if (!std::strcmp(argv[i], "--tile-batch") && i + 1 < argc) tileBatch = std::atoll(argv[++i]);
    else if (!std::strcmp(argv[i], "--write-model") && i + 1 < argc) modelFolder = argv[++i];
    else if (argv[i][0] == '-') unknown = true;  // never taken for an image
    else images.push_back(argv[i]);
  }
  if ((images.empty() && modelFolder.empty()) || unknown || tileBatch < 1) {
    std::fprintf(stderr, "usage: pipeline_bench [--threads N] [--network NAME] [--device cpu|cuda] "
                         "[--precision fp32|fp16|bf16] [--mirror] [--tile-batch N] [--no-autotune] IMAGE...\n"
                         "       pipeline_bench [--network NAME] --write-model FOLDER\n");
    return 2;
  }
  keepFreedMemoryForReuse();
  std::printf("threads %d, network %s, device %s, %s, mirroring %s, %lld tiles a call%s\n", configureThreads(threads),
              name.c_str(), device.str().c_str(), precision.c_str(), mirror ? "on" : "off",
              static_cast<long long>(tileBatch), autotune ? "" : ", cuDNN heuristics (no autotuning)");

  const auto production = bench::productionNetwork(name);
  if (!modelFolder.empty()) {
    writeModelFolder(production, modelFolder);
    std::printf("wrote %s as an nnU-Net model folder: %s\n", name.c_str(), modelFolder.c_str());
    return 0;
  }
  InferencePlan plan = models::readInferencePlan(production.plans, production.dataset, production.configuration);
  plan.mirrorAxes = everyAxis(production);
  // The predictor `krait segment` builds (SegmentationModel::predictors), around the one production network.
  models::SegmentationModel model;
  model.folds.push_back({"bench", {}, production.net});
  const TilePredictor predictor = model.predictors(device, models::parsePrecision(precision)).front();
  if (!autotune) at::globalContext().setBenchmarkCuDNN(false);  // predictors() turned it on; convolutions read it per call

  std::printf("| image | grid (network) | tiles | read s | preprocess s | network s | export s | write s | total s | "
              "non-network share | first tile s | since start s | peak RSS GiB |\n"
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& image : images) {
    auto start = std::chrono::steady_clock::now();
    const Volume v = io::readVolume(image);
    const torch::Tensor voxels = toTensor(v).to(torch::kFloat);  // as `krait segment` hands them to the pipeline
    const double read = secondsSince(start);
    const Vec3& s = v.geometry().spacing;
    int64_t tiles = 0;
    std::chrono::steady_clock::time_point networkStart;
    double firstTile = 0.0;
    PipelineOptions options;
    options.device = device;
    options.mirror = mirror;
    options.tileBatch = tileBatch;
    options.progress = [&](const PipelineProgress& p) {
      if (p.stage == "preprocess" && p.done == 1) networkStart = std::chrono::steady_clock::now();
      if (p.stage == "network" && p.done > 0 && firstTile == 0.0) firstTile = secondsSince(networkStart);
      if (p.stage == "network") tiles = p.total;
    };
    const SegmentationResult r = runSegmentation(voxels, {s[2], s[1], s[0]}, plan, {predictor}, options);
    start = std::chrono::steady_clock::now();
    const fs::path out = fs::temp_directory_path() / "pipeline_bench_mask.nii.gz";
    io::writeVolume(fromTensor(r.labels, v.geometry()), out);
    const double write = secondsSince(start);
    fs::remove(out);
    const double network = r.seconds.network;
    const double total = read + r.seconds.preprocess + network + r.seconds.exportStage + write;
    std::printf("| %s | %lld x %lld x %lld | %lld | %.2f | %.2f | %.1f | %.2f | %.2f | %.2f | %.1f %% | %.2f | %.2f | %.2f |\n",
                fs::path(image).filename().c_str(), static_cast<long long>(r.networkGrid[0]),
                static_cast<long long>(r.networkGrid[1]), static_cast<long long>(r.networkGrid[2]),
                static_cast<long long>(tiles), read, r.seconds.preprocess, network, r.seconds.exportStage, write,
                total, 100.0 * (total - network) / total, firstTile, secondsSince(processStart), peakResidentGiB());
    std::fflush(stdout);
  }
  return 0;
}
