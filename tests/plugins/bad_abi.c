/* A plugin built for another plugin ABI major version: Krait must skip it before calling anything else. */
#include <krait/plugin.h>

KRAIT_PLUGIN_EXPORT uint32_t krait_plugin_abi(void) { return (uint32_t)((KRAIT_PLUGIN_ABI_MAJOR + 1) << 16); }

KRAIT_PLUGIN_EXPORT KraitStatus krait_plugin_init(const KraitHost* host, KraitPluginInfo* info, KraitError* error) {
  (void)host, (void)info, (void)error;
  return KRAIT_ERROR_INTERNAL; /* never reached: Krait checks the ABI first */
}
