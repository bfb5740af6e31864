// scan_bench [--threads N]: CPU selective-scan throughput against the per-timestep LibTorch reference,
// on the same inputs, at sizes of the networks' Mamba layers. Prints one line per shape.
#include <chrono>
#include <functional>
#include <cstdio>
#include <cstring>
#include <string>

#include "krait/core/threads.h"
#include "krait/models/selective_scan.h"

using namespace krait::models;

namespace {

double seconds(const std::function<void()>& f, int repeats) {
  f();  // warm-up
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < repeats; ++i) f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / repeats;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 0;
  for (int i = 1; i + 1 < argc; ++i)
    if (!std::strcmp(argv[i], "--threads")) threads = std::stoi(argv[i + 1]);
  std::printf("threads %d\n", krait::configureThreads(threads));
  struct Shape { const char* what; int64_t batch, channels, length, states, groups; };
  const Shape shapes[] = {
      {"U-Mamba_Bot 3D bottleneck (d_inner 640, 3x6x6 tokens)", 1, 640, 108, 16, 0},
      {"U-Mamba_Enc 3D stage 2 (d_inner 128, 12x48x48 tokens)", 1, 128, 27648, 16, 0},
      {"Swin-UMamba SS2D stage 1 (4 dirs x 192, 128x128 tokens)", 1, 768, 16384, 1, 4},
  };
  std::printf("%-58s %10s %12s %10s %8s\n", "shape", "krait ms", "reference ms", "speed-up", "Mtok*ch/s");
  for (const Shape& s : shapes) {
    torch::manual_seed(0);
    SelectiveScanInputs in;
    in.u = torch::randn({s.batch, s.channels, s.length});
    in.delta = torch::randn({s.batch, s.channels, s.length}) * 0.5;
    in.A = -torch::arange(1, s.states + 1, torch::kFloat32).repeat({s.channels, 1});
    const std::vector<int64_t> bc = s.groups ? std::vector<int64_t>{s.batch, s.groups, s.states, s.length}
                                             : std::vector<int64_t>{s.batch, s.states, s.length};
    in.B = torch::randn(bc);
    in.C = torch::randn(bc);
    in.D = torch::randn({s.channels});
    in.z = torch::randn({s.batch, s.channels, s.length});
    in.deltaBias = torch::randn({s.channels}) * 0.1;
    in.deltaSoftplus = true;
    const double fast = seconds([&] { selectiveScan(in); }, 5);
    const double ref = seconds([&] { selectiveScanReference(in); }, 1);
    std::printf("%-58s %10.2f %12.1f %9.1fx %8.1f\n", s.what, fast * 1e3, ref * 1e3, ref / fast,
                static_cast<double>(s.batch * s.channels * s.length) / fast / 1e6);
  }
  return 0;
}
