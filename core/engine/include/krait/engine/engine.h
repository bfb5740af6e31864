#pragma once
// The engine's process-wide set-up, the one initialisation every front end shares: CPU threads, the CPU memory
// cache and the plugins. LibTorch-free, like every header of krait/engine/.
#include <string>
#include <vector>

namespace krait {

struct EngineOptions {
  int threads = 0;              // CPU threads for LibTorch (and OpenBLAS); 0: every core this process may use
  bool reuseFreedMemory = true;  // keep freed CPU tensor memory for the next tile (see pipeline/memory.h)
  bool loadPlugins = true;      // load the plugins of pluginFolders() (krait/engine/plugins.h)
};

// Versions and what the build supports: krait/engine/build_info.h.
struct EngineInfo {
  int threads = 1;    // CPU threads in effect
  bool cuda = false;  // whether this build and machine run CUDA
};

// The memory cache and the plugins are set up by the first call (later calls leave them as they are); the
// thread count is applied on every call. Segmenter calls it with the defaults when nobody has.
EngineInfo initEngine(const EngineOptions& options = {});
bool engineInitialised();
// Threads and CUDA as they are now.
EngineInfo engineInfo();

// What a Segmenter may run on: "cpu", then "cuda:0", "cuda:1", ... for each CUDA device LibTorch sees.
std::vector<std::string> computeDevices();
// Throws Error(Usage) for a name that is not cpu, cuda or cuda:N, Error(Input) when that device is absent.
void checkDevice(const std::string& name);

}  // namespace krait
