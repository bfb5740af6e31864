/* A plugin whose set-up fails after it registered a network: Krait must drop what it registered. Written in
 * plain C against krait/plugin.h, as a plugin may be. */
#include <stdio.h>

#include <krait/plugin.h>

static KraitStatus create(void* user, const KraitNetworkSpec* spec, KraitNetwork** network, KraitNetworkInfo* info,
                          KraitError* error) {
  (void)user, (void)spec, (void)network, (void)info;
  snprintf(error->message, sizeof error->message, "never built");
  return KRAIT_ERROR_INTERNAL;
}
static KraitStatus loadWeights(KraitNetwork* n, const KraitNamedTensor* w, size_t count, KraitError* e) {
  (void)n, (void)w, (void)count, (void)e;
  return KRAIT_OK;
}
static KraitStatus to(KraitNetwork* n, DLDevice device, DLDataType dtype, KraitError* e) {
  (void)n, (void)device, (void)dtype, (void)e;
  return KRAIT_OK;
}
static KraitStatus forward(KraitNetwork* n, const DLTensor* input, DLManagedTensor** output, KraitError* e) {
  (void)n, (void)input, (void)output, (void)e;
  return KRAIT_ERROR_INTERNAL;
}
static void destroy(KraitNetwork* n) { (void)n; }

KRAIT_PLUGIN_EXPORT uint32_t krait_plugin_abi(void) { return KRAIT_PLUGIN_ABI_VERSION; }

KRAIT_PLUGIN_EXPORT KraitStatus krait_plugin_init(const KraitHost* host, KraitPluginInfo* info, KraitError* error) {
  KraitNetworkKind kind = {sizeof(KraitNetworkKind), "nnUNetTrainerHalfRegistered", NULL, create, loadWeights, to, forward, destroy};
  info->name = "failing-set-up";
  info->version = "1";
  info->description = "registers a network, then fails";
  if (host->register_network(host->context, &kind, error) != KRAIT_OK) return KRAIT_ERROR_INTERNAL;
  snprintf(error->message, sizeof error->message, "the licence file is missing");
  return KRAIT_ERROR_INPUT;
}
