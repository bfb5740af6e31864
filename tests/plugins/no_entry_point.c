/* A shared library in a plugin folder that is not a Krait plugin: it exports no krait_plugin_init. */
#include <krait/plugin.h>

KRAIT_PLUGIN_EXPORT uint32_t krait_plugin_abi(void) { return KRAIT_PLUGIN_ABI_VERSION; }
