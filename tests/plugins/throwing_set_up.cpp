// A plugin written without krait/plugin.hpp whose set-up throws a C++ exception through the C ABI: Krait
// must catch it, skip the plugin and go on.
#include <krait/plugin.h>

#include <stdexcept>

extern "C" KRAIT_PLUGIN_EXPORT uint32_t krait_plugin_abi(void) { return KRAIT_PLUGIN_ABI_VERSION; }

extern "C" KRAIT_PLUGIN_EXPORT KraitStatus krait_plugin_init(const KraitHost*, KraitPluginInfo* info, KraitError*) {
  info->name = "throwing-set-up";
  throw std::runtime_error("cannot find its CUDA kernels");
}
