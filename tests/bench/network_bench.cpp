// network_bench [--threads N] [--repeats N] [--ops] [--device cuda [--precision fp32|fp16|bf16] [--tile-batch N]
// [--channels-last] [--cuda-graph] [--no-autotune] [--trace PREFIX]] [NAME...]: forward time of one tile for each network at its
// usual patch size (the production plans of tests/fixtures/networks/production), with the process's peak memory. On
// the CPU the time is split by operator kind, with the convolution share ("floor": the time oneDNN needs for the
// convolutions alone). On CUDA (weights and input converted to --precision as `krait segment` does, convolution
// weights channels-last with --channels-last, replayed from a CUDA graph with --cuda-graph as `krait segment` does
// (GraphedForward), cuDNN autotuned unless --no-autotune, TF32 as LibTorch defaults it) the time is the median of the repeats with the
// GPU synchronised, divided by the tiles per forward; the first forward (cuDNN autotuning, graph capture) is shown
// apart; the peaks are LibTorch allocator's (allocated: what torch.cuda.max_memory_allocated reports); --trace
// writes a Chrome trace with input shapes of one more forward to PREFIX<NAME>.json (kernel times: kernel_times.py).
// Weights are random: speed does not depend on their values.
#include <sys/resource.h>

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "krait/base/process_memory.h"
#include "krait/pipeline/memory.h"
#include "krait/base/size_text.h"
#include "krait/pipeline/threads.h"
#include "op_timer.h"
#include "production_network.h"

#ifdef KRAIT_WITH_CUDA
#include <ATen/Context.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <torch/csrc/autograd/profiler_kineto.h>
#include <torch/cuda.h>

#include <functional>
#include <set>

#include "krait/models/networks/precision.h"
#include "krait/models/networks/graphed_forward.h"
#endif


namespace {

// Operator kinds as reported. "conv" is the dense convolutions oneDNN runs (the floor of the target),
// "linear" the matrix products (OpenBLAS); everything unlisted, Mamba's causal conv1d + SiLU included, is glue.
std::string kindOf(const std::string& op) {
  if (op == "aten::conv2d" || op == "aten::conv3d" || op.rfind("aten::conv_transpose", 0) == 0) return "conv";
  if (op.find("selective_scan") != std::string::npos) return "scan";
  if (op.find("norm") != std::string::npos) return "norm";
  if (op == "aten::linear" || op == "aten::matmul" || op == "aten::mm" || op == "aten::bmm") return "linear";
  return "other";
}

rusage usage() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u;
}

struct GpuOptions {
  int repeats = 5;
  std::string precision = "fp32";
  int64_t tileBatch = 1;
  bool channelsLast = false, cudaGraph = false;
  bool autotune = true;  // cuDNN's per-shape benchmark (what krait segment does); off: its heuristics
  std::string trace;  // a Chrome trace of one forward per network, NAME.json under this prefix
};

#ifdef KRAIT_WITH_CUDA
void traceForward(const std::function<void()>& forward, const std::string& path) {
  namespace profiler = torch::autograd::profiler;
  using torch::profiler::impl::ActivityType;
  const torch::profiler::impl::ProfilerConfig config(torch::profiler::impl::ProfilerState::KINETO,
                                                     /*report_input_shapes=*/true);
  const std::set<ActivityType> activities{ActivityType::CPU, ActivityType::CUDA};
  profiler::prepareProfiler(config, activities);
  profiler::enableProfiler(config, activities);
  forward();
  torch::cuda::synchronize();
  profiler::disableProfiler()->save(path);
}
#endif

int gpuTiles(const std::vector<std::string>& names, const GpuOptions& o, const torch::Device& device) {
#ifdef KRAIT_WITH_CUDA
  at::globalContext().setBenchmarkCuDNN(o.autotune);
  const auto precision = krait::models::parsePrecision(o.precision);
  std::printf("%s, tile batch %lld, %s%s%s\n", o.precision.c_str(), static_cast<long long>(o.tileBatch),
              o.channelsLast ? "channels-last" : "contiguous", o.cudaGraph ? ", CUDA graph" : "",
              o.autotune ? "" : ", cuDNN heuristics (no autotuning)");
  std::printf("| network | patch | ms per tile (median of %d) | first forward ms | peak GiB allocated | peak GiB reserved |\n"
              "|---|---|---|---|---|---|\n", o.repeats);
  for (const auto& name : names) {
    const auto production = krait::bench::productionNetwork(name);
    const auto& net = production.net;
    krait::models::convertNetwork(*net, precision);
    if (o.channelsLast) krait::models::useChannelsLast(*net);
    net->to(device);
    const torch::Tensor tile = production.randomTile();
    std::vector<int64_t> batch = tile.sizes().vec();
    batch[0] = o.tileBatch;
    const torch::Tensor input = tile.expand(batch).clone().to(device, krait::models::scalarType(precision));
    c10::InferenceMode guard;
    krait::models::GraphedForward graphed(net);
    const auto forward = [&] { o.cudaGraph ? graphed(input) : net->forward(input); };
    const auto first = std::chrono::steady_clock::now();
    forward();  // cuDNN autotuning, allocator, graph capture
    torch::cuda::synchronize();
    const double firstMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - first).count();
    for (int i = 0; i < 2; ++i) forward();
    torch::cuda::synchronize();
    const c10::DeviceIndex gpu = device.has_index() ? device.index() : 0;
    c10::cuda::CUDACachingAllocator::resetPeakStats(gpu);
    std::vector<double> ms;
    for (int r = 0; r < o.repeats; ++r) {
      const auto start = std::chrono::steady_clock::now();
      forward();
      torch::cuda::synchronize();
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(ms.begin(), ms.end());
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(gpu);
    const double gib = double(1 << 30);
    std::printf("| %s | %s | %.2f | %.0f | %.2f | %.2f |\n", name.c_str(), krait::sizeText(production.plan.patchSize).c_str(),
                ms[ms.size() / 2] / static_cast<double>(o.tileBatch), firstMs,
                static_cast<double>(stats.allocated_bytes[0].peak) / gib,
                static_cast<double>(stats.reserved_bytes[0].peak) / gib);
    std::fflush(stdout);
    if (!o.trace.empty()) traceForward(forward, o.trace + name + ".json");
  }
  return 0;
#else
  (void)names, (void)o, (void)device;
  std::fprintf(stderr, "network_bench: this build has no CUDA\n");
  return 2;
#endif
}

int run(int argc, char** argv) {
  int threads = 0, repeats = 1;
  bool ops = false;
  GpuOptions gpu;
  torch::Device device(torch::kCPU);
  std::vector<std::string> names;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::stoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--repeats") && i + 1 < argc) repeats = std::stoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--ops")) ops = true;
    else if (!std::strcmp(argv[i], "--device") && i + 1 < argc) device = torch::Device(argv[++i]);
    else if (!std::strcmp(argv[i], "--precision") && i + 1 < argc) gpu.precision = argv[++i];
    else if (!std::strcmp(argv[i], "--tile-batch") && i + 1 < argc) gpu.tileBatch = std::stoll(argv[++i]);
    else if (!std::strcmp(argv[i], "--trace") && i + 1 < argc) gpu.trace = argv[++i];
    else if (!std::strcmp(argv[i], "--channels-last")) gpu.channelsLast = true;
    else if (!std::strcmp(argv[i], "--cuda-graph")) gpu.cudaGraph = true;
    else if (!std::strcmp(argv[i], "--no-autotune")) gpu.autotune = false;
    else if (argv[i][0] == '-') {
      std::fprintf(stderr, "network_bench: unknown option or missing value: %s (the usage is at the top of network_bench.cpp)\n", argv[i]);
      return 2;
    } else names.emplace_back(argv[i]);
  }
  if (names.empty())
    names = {"umamba_bot_3d", "umamba_enc_3d", "lightmunet_3d", "umamba_bot_2d", "umamba_enc_2d", "lightmunet_2d",
             "swin_umamba", "swin_umamba_d"};
  gpu.repeats = std::max(repeats, 5);
  if (device.is_cuda()) return gpuTiles(names, gpu, device);
  krait::keepFreedMemoryForReuse();
  std::printf("threads %d, repeats %d\n", krait::configureThreads(threads), repeats);
  std::printf("| network | patch | ms per tile | conv ms | linear ms | scan ms | norm ms | other ms | total / conv "
              "| total / (conv + linear) | scan share | page faults | peak RSS GiB |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& name : names) {
    const auto production = krait::bench::productionNetwork(name);
    const auto& net = production.net;
    const auto& plan = production.plan;
    const torch::Tensor input = production.randomTile();
    c10::InferenceMode guard;
    net->forward(input);  // warm-up: oneDNN primitive creation, allocator
    krait::bench::OpTimer timer;
    const long faultsBefore = usage().ru_minflt;
    const auto start = std::chrono::steady_clock::now();
    for (int r = 0; r < repeats; ++r) net->forward(input);
    const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / repeats;
    const long faults = (usage().ru_minflt - faultsBefore) / repeats;
    std::map<std::string, double> kinds;
    for (const auto& [op, sec] : timer.seconds()) kinds[kindOf(op)] += sec / repeats;
    const std::string patch = krait::sizeText(plan.patchSize);
    const double conv = kinds["conv"], linear = kinds["linear"], scan = kinds["scan"], norm = kinds["norm"];
    std::printf("| %s | %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.2f | %.2f | %.1f%% | %ld | %.2f |\n", name.c_str(),
                patch.c_str(), total * 1e3, conv * 1e3, linear * 1e3, scan * 1e3, norm * 1e3,
                (total - conv - linear - scan - norm) * 1e3, total / conv, total / (conv + linear),
                100.0 * scan / total, faults, krait::peakResidentGiB());
    if (ops)  // every top-level operator over 1% of the tile, for finding where "other" goes
      for (const auto& [op, sec] : timer.seconds())
        if (sec / repeats > 0.01 * total) std::printf("    %-40s %8.1f ms\n", op.c_str(), sec / repeats * 1e3);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "network_bench: %s\n", e.what());
    return 1;
  }
}
