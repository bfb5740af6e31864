// scan_bench [--threads N] [--only SUBSTRING] [--repeats N] [--no-reference] [--kernel avx512|avx2|generic]
// CPU selective-scan time against the per-timestep LibTorch reference (selectiveScanReference) on the same
// inputs, at the sizes of the networks' Mamba layers, plus the memory bandwidth the scan achieves next to a
// plain multi-threaded memcpy. One line per shape (docs/benchmarks.md says where the sizes come from).
// "krait ms": a fresh output per call, as the networks call it; "reused ms": into one preallocated output
// (SelectiveScanInputs::out), i.e. without first-touch page faults; GB/s is from the latter.
//
// The reference keeps two (batch, channels, length, state) fp32 temporaries and costs the same per timestep
// whatever the length, so on the million-token shapes it runs on a prefix of the sequence and its time is
// scaled linearly to the full length (column "ref tokens"). The Krait output on that prefix is compared with
// the reference's (column "max rel err" = max |krait - ref| / max |ref|).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "krait/pipeline/threads.h"
#include "krait/models/ops/selective_scan.h"

using namespace krait::models;

namespace {

double once(const std::function<void()>& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Median of repeated runs after one warm-up; repeats fill about a second, at least `minRepeats`.
double median(const std::function<void()>& f, int minRepeats, int maxRepeats) {
  const double first = once(f);
  const int repeats = std::clamp(static_cast<int>(1.0 / std::max(first, 1e-6)), minRepeats, maxRepeats);
  std::vector<double> t;
  for (int i = 0; i < repeats; ++i) t.push_back(once(f));
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// Read + write bandwidth of memcpy over `bytes`, one slice per thread.
double memcpyGBps(int64_t bytes, int threads) {
  std::vector<char> src(static_cast<std::size_t>(bytes), 1), dst(static_cast<std::size_t>(bytes), 0);
  const int64_t piece = bytes / threads;
  const double s = median(
      [&] {
        std::vector<std::thread> pool;
        for (int i = 0; i < threads; ++i)
          pool.emplace_back([&, i] { std::memcpy(dst.data() + i * piece, src.data() + i * piece, static_cast<std::size_t>(piece)); });
        for (std::thread& t : pool) t.join();
      },
      5, 20);
  return 2.0 * static_cast<double>(threads * piece) / s / 1e9;
}

struct Shape {
  const char* what;
  int64_t batch, channels, length, states, groups;
  bool gate;
  int64_t refTokens;      // 0: the whole sequence
  bool layerStrides = false;  // delta, z, B, C strided as Krait's Mamba layer passes them (else contiguous)
};

SelectiveScanInputs inputs(const Shape& s) {
  torch::manual_seed(0);
  SelectiveScanInputs in;
  in.u = torch::randn({s.batch, s.channels, s.length});
  in.delta = torch::randn({s.batch, s.channels, s.length}) * 0.5;
  // Mamba's initialisation: A = -exp(A_log), A_log = log(1..N); dt bias around softplus^-1(0.001..0.1).
  in.A = -torch::arange(1, s.states + 1, torch::kFloat32).repeat({s.channels, 1});
  const std::vector<int64_t> bc = s.groups ? std::vector<int64_t>{s.batch, s.groups, s.states, s.length}
                                           : std::vector<int64_t>{s.batch, s.states, s.length};
  in.B = torch::randn(bc);
  in.C = torch::randn(bc);
  in.D = torch::randn({s.channels});
  if (s.gate) in.z = torch::randn({s.batch, s.channels, s.length});
  in.deltaBias = torch::rand({s.channels}) * -4.0 - 2.0;
  in.deltaSoftplus = true;
  if (s.layerStrides) {
    // models/src/networks/mamba.cpp: delta = (B, L, D) projection transposed; z = second half of in_proj's (B, L, 2D)
    // output, transposed; B and C = slices of x_proj's (B, L, R + 2N) output, transposed (R = dt_rank).
    const int64_t rank = (s.channels / 2 + 15) / 16;
    in.delta = in.delta.transpose(1, 2).contiguous().transpose(1, 2);
    in.z = torch::cat({torch::randn({s.batch, s.channels, s.length}), in.z}, 1).transpose(1, 2).contiguous()
               .narrow(2, s.channels, s.channels).transpose(1, 2);
    const torch::Tensor xdbl =
        torch::cat({torch::randn({s.batch, rank, s.length}), in.B, in.C}, 1).transpose(1, 2).contiguous();
    in.B = xdbl.narrow(2, rank, s.states).transpose(1, 2);
    in.C = xdbl.narrow(2, rank + s.states, s.states).transpose(1, 2);
  }
  return in;
}

SelectiveScanInputs prefix(const SelectiveScanInputs& in, int64_t tokens) {
  SelectiveScanInputs p = in;
  p.u = in.u.narrow(-1, 0, tokens);
  p.delta = in.delta.narrow(-1, 0, tokens);
  p.B = in.B.narrow(-1, 0, tokens);
  p.C = in.C.narrow(-1, 0, tokens);
  if (in.z.defined()) p.z = in.z.narrow(-1, 0, tokens);
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 0, maxRepeats = 20;
  std::string only;
  bool reference = true;
  CpuScanKernel kernel = CpuScanKernel::Automatic;
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--no-reference")) reference = false;
  for (int i = 1; i + 1 < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::stoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--only")) only = argv[i + 1];
    if (!std::strcmp(argv[i], "--repeats")) maxRepeats = std::stoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--kernel")) {
      const std::string k = argv[i + 1];
      kernel = k == "avx512" ? CpuScanKernel::Avx512 : k == "avx2" ? CpuScanKernel::Avx2 : CpuScanKernel::Generic;
    }
  }
  threads = krait::configureThreads(threads);
  std::printf("threads %d, kernel %s\n", threads, cpuScanKernelName(kernel));
  const double copyBandwidth = memcpyGBps(int64_t{512} << 20, threads);
  std::printf("memcpy %.1f GB/s (bytes read + written, 512 MiB, all threads)\n", copyBandwidth);
  // Production sizes (docs/benchmarks.md says where each comes from); every layer: d_state 16, softplus, D, bias.
  const Shape shapes[] = {
      {"U-Mamba_Bot 3D bottleneck: 640 ch x 216 (6x6x6)", 1, 640, 216, 16, 0, true, 0},
      {"U-Mamba_Enc 3D stage 5 channel-token: 432 ch x 320", 1, 432, 320, 16, 0, true, 0},
      {"U-Mamba_Enc 3D stage 2: 256 ch x 55,296 (24x48x48)", 1, 256, 55296, 16, 0, true, 0},
      {"  same, delta/z/B/C strided as the Mamba layer passes them", 1, 256, 55296, 16, 0, true, 0, true},
      {"U-Mamba_Enc 3D stage 0: 64 ch x 1,769,472 (48x192x192)", 1, 64, 1769472, 16, 0, true, 65536},
      {"LightM-UNet 3D level 0: 64 ch x 2,097,152 (128^3)", 1, 64, 2097152, 16, 0, true, 65536},
      {"Swin-UMamba SS2D stage 0: 4 dir x 192 ch x 16,384 (128x128)", 1, 768, 16384, 16, 4, false, 0},
  };
  std::printf("%-62s %9s %9s %12s %10s %9s %8s %7s %11s\n", "shape", "krait ms", "reused ms", "reference ms",
              "ref tokens", "speed-up", "GB/s", "of copy", "max rel err");
  for (const Shape& s : shapes) {
    if (!only.empty() && std::string(s.what).find(only) == std::string::npos) continue;
    SelectiveScanInputs in = inputs(s);
    torch::Tensor out;
    // As a network calls it (a fresh output each time), and into one reused output (no page faults).
    const double fast = median([&] { out = selectiveScan(in, kernel); }, 3, maxRepeats);
    in.out = out;  // the last fresh output, already faulted in
    const double reused = median([&] { selectiveScan(in, kernel); }, 3, maxRepeats);
    in.out = torch::Tensor();
    // Bytes the scan must move at least: u, delta, (z), out per channel; B and C once.
    const double bytes = 4.0 * static_cast<double>(s.batch * s.length) *
                         static_cast<double>(s.channels * (s.gate ? 4 : 3) + 2 * s.states * std::max<int64_t>(s.groups, 1));
    if (!reference) {
      std::printf("%-62s %9.2f %9.2f %12s %10s %9s %8.1f %6.0f%%\n", s.what, fast * 1e3, reused * 1e3, "-", "-", "-",
                  bytes / reused / 1e9, 100.0 * bytes / reused / 1e9 / copyBandwidth);
      continue;
    }
    const int64_t refTokens = s.refTokens ? std::min(s.refTokens, s.length) : s.length;
    const SelectiveScanInputs refIn = refTokens < s.length ? prefix(in, refTokens) : in;
    torch::Tensor want;
    const double ref = median([&] { want = selectiveScanReference(refIn); }, 1, s.length > 4096 ? 1 : 5) *
                       static_cast<double>(s.length) / static_cast<double>(refTokens);
    const double err = ((out.narrow(-1, 0, refTokens) - want).abs().max() / want.abs().max()).item<double>();
    std::printf("%-62s %9.2f %9.2f %12.1f %10lld %8.1fx %8.1f %6.0f%% %11.1e\n", s.what, fast * 1e3, reused * 1e3,
                ref * 1e3, static_cast<long long>(refTokens), ref / fast, bytes / reused / 1e9,
                100.0 * bytes / reused / 1e9 / copyBandwidth, err);
  }
  return 0;
}
