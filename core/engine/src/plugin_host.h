#pragma once
// The plugin host's registries, shared by its parts: loading (plugin_host.cpp), networks
// (plugin_network.cpp), data, readers and classifiers (plugin_data.cpp), the operations plugins call (plugin_ops.cpp). Every kind is kept as the plugin
// registered it (copied), with the plugin's name for messages.
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <krait/plugin.h>

#include "krait/base/error.h"
#include "krait/engine/plugins.h"

namespace krait::engine {

template <typename Kind>
struct Registered {
  Kind kind;
  std::string plugin;  // the plugin's name
  std::string file;    // its shared library
};

struct PluginRegistries {
  std::mutex mutex;
  std::vector<PluginRecord> records;
  std::vector<Registered<KraitNetworkKind>> networks;
  std::vector<Registered<KraitClassifierKind>> classifiers;
  std::vector<Registered<KraitReaderKind>> readers;
  std::vector<Registered<KraitCommand>> commands;
  std::vector<Registered<KraitPanelKind>> panels;
};

PluginRegistries& pluginRegistries();

// The ErrorKind for a plugin's status; "plugin <name>: <what>: <message>" as the Error's text.
Error pluginError(KraitStatus status, const std::string& plugin, const std::string& what, const KraitError& error);

// Calls a plugin's function; a C++ exception escaping it (a plugin written without krait/plugin.hpp) becomes
// KRAIT_ERROR_INTERNAL with its message instead of unwinding through Krait.
template <typename F>
KraitStatus callPlugin(KraitError& error, F&& f) {
  error.message[0] = '\0';
  try {
    return f();
  } catch (const std::exception& e) {
    std::snprintf(error.message, sizeof error.message, "threw: %s", e.what());
  } catch (...) {
    std::snprintf(error.message, sizeof error.message, "threw an exception");
  }
  return KRAIT_ERROR_INTERNAL;
}

// Adds a registered network kind to the trainer registry (models/nnunet/network_registry.h).
void registerPluginTrainer(const Registered<KraitNetworkKind>& network);

// The operations of the host table (plugin_ops.cpp).
KraitStatus hostSelectiveScan(void* context, const KraitSelectiveScan* scan, DLManagedTensor** out, KraitError* error);
KraitStatus hostSelectiveScanBackward(void* context, const KraitSelectiveScan* scan, const DLTensor* gradOut,
                                      KraitSelectiveScanGradients* gradients, KraitError* error);
KraitStatus hostReadTensors(void* context, const char* path, void* user,
                            void (*visit)(void* user, const char* name, const DLTensor* tensor), KraitError* error);

DataKind dataKindOf(KraitDataKind kind);
KraitDataKind abiDataKind(DataKind kind);

}  // namespace krait::engine
