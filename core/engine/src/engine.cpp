#include "krait/engine/engine.h"

#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include <atomic>
#include <mutex>

#include "krait/engine/plugins.h"
#include "krait/pipeline/memory.h"
#include "krait/pipeline/threads.h"

namespace krait {
namespace {

std::atomic<bool> initialised{false};

}  // namespace

EngineInfo initEngine(const EngineOptions& options) {
  static std::once_flag once;
  std::call_once(once, [&] {
    if (options.reuseFreedMemory) keepFreedMemoryForReuse();
    if (options.loadPlugins) loadPlugins(pluginFolders());
  });
  configureThreads(options.threads);
  initialised = true;
  return engineInfo();
}

bool engineInitialised() { return initialised; }

EngineInfo engineInfo() { return {at::get_num_threads(), torch::cuda::is_available()}; }

}  // namespace krait
