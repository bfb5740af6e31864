#include "krait/engine/build_info.h"

#include <ATen/Context.h>
#include <ATen/Version.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include "build_values.h"
#include "krait/engine/version.h"
#include "krait/models/ops/selective_scan.h"

namespace krait {
namespace {

// CUDART_VERSION is 1000 major + 10 minor.
std::string cudaVersion(long v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); }

// CUDNN_VERSION is 1000 major + 100 minor + patch up to cuDNN 8, 10000 major + 100 minor + patch from 9 on.
std::string cudnnVersion(long v) {
  const long major = v >= 90000 ? v / 10000 : v / 1000;
  return std::to_string(major) + "." + std::to_string(v % (v >= 90000 ? 10000 : 1000) / 100) + "." +
         std::to_string(v % 100);
}

// LibTorch 1.13 exports no call for it (at::get_cpu_capability came later), but its configuration summary has
// the line "CPU capability usage: AVX2" in every version: what ATen dispatches to after ATEN_CPU_CAPABILITY.
std::string cpuCapability() {
  const std::string config = at::show_config();
  const std::string key = "CPU capability usage: ";
  const std::size_t at = config.find(key);
  if (at == std::string::npos) return "unknown";
  const std::size_t begin = at + key.size();
  return config.substr(begin, config.find('\n', begin) - begin);
}

BuildInfo collect() {
  BuildInfo info;
  info.version = KRAIT_VERSION;
  info.git = detail::kGitDescribe;
  info.buildType = *detail::kBuildType ? detail::kBuildType : "none";
  info.libtorch = TORCH_VERSION;
  // The hooks answer for the LibTorch loaded, which a CPU-only build answers with "no CUDA runtime".
  if (at::globalContext().hasCUDART()) info.cuda = cudaVersion(at::globalContext().versionCUDART());
  if (at::globalContext().hasCuDNN()) info.cudnn = cudnnVersion(at::globalContext().versionCuDNN());
#ifdef KRAIT_WITH_CUDA
  info.kraitCudaKernels = true;
#endif
  info.cudaDevices = static_cast<int>(torch::cuda::device_count());
  info.cpuCapability = cpuCapability();
  info.selectiveScan = models::cpuScanKernelName(models::CpuScanKernel::Automatic);
  return info;
}

}  // namespace

std::string BuildInfo::fullVersion() const { return versionWithGit(version, git); }

const BuildInfo& buildInfo() {
  static const BuildInfo info = collect();
  return info;
}

std::string versionWithGit(const std::string& version, const std::string& git) {
  if (git.empty() || git == "unknown") return version;
  const std::string tagless = git.rfind('v', 0) == 0 ? git.substr(1) : git;
  if (tagless == version || tagless.rfind(version + "-", 0) == 0) return tagless;  // not v0.1.01's describe
  return version + "+" + git;
}

std::string buildInfoText(const BuildInfo& info) {
  std::string cuda = "none (this LibTorch is CPU-only)", cudnn = "none";
  if (!info.cuda.empty()) {
    const int n = info.cudaDevices;
    cuda = info.cuda + " (LibTorch's); Krait's CUDA kernels " + (info.kraitCudaKernels ? "built" : "not built") + "; " +
           (n == 0 ? "no device visible" : std::to_string(n) + (n == 1 ? " device visible" : " devices visible"));
    cudnn = info.cudnn.empty() ? "none (LibTorch was built without it)" : info.cudnn;
  }
  return "git: " + info.git + "\nbuild type: " + info.buildType + "\nLibTorch: " + info.libtorch + "\nCUDA: " + cuda +
         "\ncuDNN: " + cudnn + "\nCPU: " + info.cpuCapability + " (LibTorch's kernels), " + info.selectiveScan +
         " (Krait's selective scan)\n";
}

std::string fileNote(const std::string& subject) {
  std::string note = "krait " + buildInfo().fullVersion() + (subject.empty() ? "" : " " + subject);
  if (note.size() <= 79) return note;
  std::size_t end = 79;
  while (end > 0 && (static_cast<unsigned char>(note[end]) & 0xC0) == 0x80) --end;  // not inside a UTF-8 character
  return note.substr(0, end);
}

}  // namespace krait
