#pragma once
// What this build of Krait is and what it runs on: the one source of `krait --version`, the studio's About box,
// the case reports, a DICOM SEG's software version and the note in a written mask's header. LibTorch-free.
#include <string>

namespace krait {

struct BuildInfo {
  std::string version;        // Krait's, "0.1.0"
  std::string git;            // `git describe --tags --always --dirty` at the last configure, or "unknown"
  std::string buildType;      // CMAKE_BUILD_TYPE: "Release", "Debug", ...; "none" when none was set
  std::string libtorch;       // "1.13.0"
  std::string cuda;           // the CUDA runtime LibTorch was built with, "12.4"; "" for a CPU-only LibTorch
  std::string cudnn;          // the cuDNN LibTorch was built with, "9.1.0"; "" when none
  bool kraitCudaKernels = false;  // Krait's own CUDA kernels (selective scan, norms, ...) were compiled in
  int cudaDevices = 0;            // the CUDA devices LibTorch sees on this machine
  std::string cpuCapability;  // the instruction set LibTorch's CPU kernels use: "AVX512", "AVX2", "NO AVX", ...
  std::string selectiveScan;  // the one Krait's CPU selective scan uses: "avx512", "avx2" or "generic"

  // The version with the commit: versionWithGit(version, git).
  std::string fullVersion() const;
};

// Taken once per process (later calls return the same).
const BuildInfo& buildInfo();

// A describe of this version's tag ("v0.1.0", "v0.1.0-12-gabc1234-dirty") is the full version without the "v";
// any other is appended as build metadata ("0.1.0+bc7d9b5-dirty"); "unknown" leaves the version alone.
std::string versionWithGit(const std::string& version, const std::string& git);

// The lines `krait --version` prints after its first: git, build type, LibTorch, CUDA, cuDNN, CPU features.
std::string buildInfoText(const BuildInfo& info);

// The note Krait writes into the header of an image it made (NIfTI's 80-byte descrip):
// "krait <full version> <subject>", cut to at most 79 characters.
std::string fileNote(const std::string& subject);

}  // namespace krait
