// scan_cuda_bench [--only SUBSTRING] [--dtype fp16|bf16|fp32] [--reference-tokens N]
// The CUDA selective scan at the shapes of docs/benchmarks.md (the networks' Mamba layers and the shapes that
// shared/spec/performance.md measured the official mamba_ssm kernel at), in GB/s against the GPU's measured
// device-to-device copy bandwidth, next to the LibTorch per-timestep reference scan (selectiveScanReference on
// the GPU) run on a prefix of the sequence and scaled linearly to the whole length.
// Bytes counted: u, delta, z read and the gated output written (4 B D L elements) plus B and C read once.
#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAEvent.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "krait/models/ops/selective_scan.h"

using namespace krait::models;

namespace {

// Median GPU time in ms of `f` over `repeats` runs after two warm-ups (CUDA events on the current stream).
double medianMs(const std::function<void()>& f, int repeats) {
  for (int i = 0; i < 2; ++i) f();
  std::vector<double> t;
  for (int i = 0; i < repeats; ++i) {
    at::cuda::CUDAEvent start(cudaEventDefault), stop(cudaEventDefault);
    start.record();
    f();
    stop.record();
    stop.synchronize();
    t.push_back(start.elapsed_time(stop));
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

double copyGBps() {
  const torch::Tensor src = torch::ones({int64_t{1} << 29}, torch::dtype(torch::kFloat32).device(torch::kCUDA));
  torch::Tensor dst = torch::empty_like(src);
  const double ms = medianMs([&] { dst.copy_(src); }, 10);
  return 2.0 * static_cast<double>(src.nbytes()) / ms / 1e6;
}

struct Shape {
  const char* what;
  int64_t batch, channels, length, groups;
};

// As Krait's Mamba layer passes them: channels fastest, B and C slices of x_proj's (B, L, R + 2N) output.
SelectiveScanInputs inputs(const Shape& s, torch::ScalarType type) {
  torch::manual_seed(0);
  const auto opts = torch::dtype(torch::kFloat32).device(torch::kCUDA);
  constexpr int64_t N = 16;
  const auto tokens = [&](double scale) {
    return (torch::randn({s.batch, s.length, s.channels}, opts) * scale).to(type).transpose(1, 2);
  };
  SelectiveScanInputs in;
  in.u = tokens(1.0);
  in.delta = tokens(0.5);
  in.z = tokens(1.0);
  in.A = -torch::arange(1, N + 1, opts).repeat({s.channels, 1});
  const int64_t groups = std::max<int64_t>(s.groups, 1);
  const torch::Tensor xdbl = torch::randn({s.batch, s.length, groups, 2 * N}, opts).to(type);
  in.B = xdbl.narrow(3, 0, N).permute({0, 2, 3, 1});
  in.C = xdbl.narrow(3, N, N).permute({0, 2, 3, 1});
  if (!s.groups) in.B = in.B.squeeze(1), in.C = in.C.squeeze(1);
  in.D = torch::randn({s.channels}, opts);
  in.deltaBias = torch::rand({s.channels}, opts) * -4.0 - 2.0;
  in.deltaSoftplus = true;
  return in;
}

SelectiveScanInputs prefix(const SelectiveScanInputs& in, int64_t tokens) {
  SelectiveScanInputs p = in;
  for (torch::Tensor* t : {&p.u, &p.delta, &p.B, &p.C, &p.z}) *t = t->narrow(-1, 0, tokens);
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  std::string only;
  torch::ScalarType type = torch::kFloat16;
  int64_t referenceTokens = 1024;
  for (int i = 1; i + 1 < argc; ++i) {
    if (!std::strcmp(argv[i], "--only")) only = argv[i + 1];
    if (!std::strcmp(argv[i], "--reference-tokens")) referenceTokens = std::stoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--dtype")) {
      const std::string d = argv[i + 1];
      type = d == "fp32" ? torch::kFloat32 : d == "bf16" ? torch::kBFloat16 : torch::kFloat16;
    }
  }
  if (!torch::cuda::is_available()) {
    std::fprintf(stderr, "scan_cuda_bench: no CUDA device\n");
    return 2;
  }
  const auto* props = at::cuda::getCurrentDeviceProperties();
  const double copy = copyGBps();
  std::printf("%s, %d SMs; device-to-device copy %.0f GB/s (read + write); inputs %s\n", props->name,
              props->multiProcessorCount, copy, c10::toString(type));
  const Shape shapes[] = {
      {"U-Mamba_Enc 3D stage 0: 1 x 64 ch x 1,769,472 (48x192x192)", 1, 64, 1769472, 0},
      {"1 x 256 ch x 1,769,472", 1, 256, 1769472, 0},
      {"1 x 1024 ch x 1,769,472", 1, 1024, 1769472, 0},
      {"LightM-UNet/Enc 128^3 stage 0, 2 tiles: 2 x 64 ch x 2,097,152", 2, 64, 2097152, 0},
      {"U-Mamba_Enc 3D stage 2: 1 x 256 ch x 55,296", 1, 256, 55296, 0},
      {"LLM-like: 8 x 4096 ch x 2048", 8, 4096, 2048, 0},
      {"1 x 4096 ch x 2048", 1, 4096, 2048, 0},
      {"U-Mamba_Bot 3D bottleneck: 1 x 640 ch x 64", 1, 640, 64, 0},
      {"eight bottlenecks: 8 x 640 ch x 64", 8, 640, 64, 0},
      {"Swin-UMamba SS2D stage 0: 4 dir x 192 ch x 16,384", 1, 768, 16384, 4},
  };
  std::printf("%-62s %9s %8s %8s %13s %9s\n", "shape", "krait ms", "GB/s", "of copy", "reference ms", "speed-up");
  for (const Shape& s : shapes) {
    if (!only.empty() && std::string(s.what).find(only) == std::string::npos) continue;
    const SelectiveScanInputs in = inputs(s, type);
    const double ms = medianMs([&] { selectiveScan(in); }, 10);
    const double elements = static_cast<double>(s.batch * s.length);
    const double bytes = static_cast<double>(c10::elementSize(type)) * elements *
                         static_cast<double>(4 * s.channels + 32 * std::max<int64_t>(s.groups, 1));
    const int64_t refTokens = std::min(referenceTokens, s.length);
    const double ref = referenceTokens > 0
                           ? medianMs([&] { selectiveScanReference(prefix(in, refTokens)); }, 3) *
                                 static_cast<double>(s.length) / static_cast<double>(refTokens)
                           : 0.0;
    std::printf("%-62s %9.3f %8.0f %7.1f%% %13.1f %8.0fx\n", s.what, ms, bytes / ms / 1e6, 100.0 * bytes / ms / 1e6 / copy,
                ref, ref / ms);
  }
  return 0;
}
