// Finding, loading and checking plugins, the host table they register through, and the front ends' commands
// and panels.
#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>

#include "krait/base/installed_data.h"
#include "krait/engine/version.h"
#include "krait/models/nnunet/network_registry.h"
#include "plugin_host.h"

namespace fs = std::filesystem;

namespace krait {
namespace engine {

PluginRegistries& pluginRegistries() {
  static auto* const r = new PluginRegistries;  // never destroyed: plugins stay loaded until the process ends
  return *r;
}

Error pluginError(KraitStatus status, const std::string& plugin, const std::string& what, const KraitError& error) {
  ErrorKind kind = ErrorKind::Internal;
  switch (status) {
    case KRAIT_ERROR_INPUT: kind = ErrorKind::Input; break;
    case KRAIT_ERROR_UNSUPPORTED: kind = ErrorKind::Usage; break;
    case KRAIT_ERROR_CANCELLED: kind = ErrorKind::Cancelled; break;
    case KRAIT_ERROR_RESOURCES: kind = ErrorKind::Resources; break;
    default: break;
  }
  const std::string message(error.message, strnlen(error.message, sizeof error.message));
  return Error(kind, "plugin " + plugin + ": " + what + ": " + (message.empty() ? "failed without a message" : message));
}

DataKind dataKindOf(KraitDataKind kind) {
  switch (kind) {
    case KRAIT_DATA_VOLUME: return DataKind::Volume;
    case KRAIT_DATA_WAVEFORM: return DataKind::Waveform;
    case KRAIT_DATA_SLIDE: return DataKind::Slide;
    default: return DataKind::None;
  }
}

KraitDataKind abiDataKind(DataKind kind) {
  switch (kind) {
    case DataKind::Volume: return KRAIT_DATA_VOLUME;
    case DataKind::Waveform: return KRAIT_DATA_WAVEFORM;
    case DataKind::Slide: return KRAIT_DATA_SLIDE;
    case DataKind::None: break;
  }
  return KRAIT_DATA_NONE;
}

namespace {

// What one plugin registers during its krait_plugin_init; committed only when the set-up succeeds.
struct Loading {
  std::string file;
  bool open = true;  // registrations after krait_plugin_init returned are refused
  std::vector<KraitNetworkKind> networks;
  std::vector<KraitClassifierKind> classifiers;
  std::vector<KraitReaderKind> readers;
  std::vector<KraitCommand> commands;
  std::vector<KraitPanelKind> panels;
};

void setError(KraitError* error, const std::string& message) {
  if (!error) return;
  std::snprintf(error->message, sizeof error->message, "%s", message.c_str());
}

// The plugin's struct, of the size it says it wrote, over a zeroed one of Krait's size: members a plugin built
// for an older minor version does not know stay zero.
template <typename Kind>
bool copyKind(const Kind* from, Kind& to, KraitError* error) {
  to = Kind{};
  if (!from || from->struct_size < sizeof(uint32_t)) {
    setError(error, "no kind given, or its struct_size is 0");
    return false;
  }
  std::memcpy(&to, from, std::min<size_t>(from->struct_size, sizeof(Kind)));
  to.struct_size = sizeof(Kind);
  return true;
}

Loading& loadingOf(void* context) { return *static_cast<Loading*>(context); }

KraitStatus refuseClosed(KraitError* error) {
  setError(error, "registrations are taken during krait_plugin_init only");
  return KRAIT_ERROR_UNSUPPORTED;
}

void hostLog(void* context, KraitLogLevel level, const char* message) {
  if (level < KRAIT_LOG_WARNING && !std::getenv("KRAIT_PLUGIN_DEBUG")) return;
  static const char* const names[] = {"debug", "info", "warning", "error"};
  std::cerr << "krait: plugin " << fs::path(loadingOf(context).file).filename().string() << " ("
            << names[std::clamp(static_cast<int>(level), 0, 3)] << "): " << (message ? message : "") << "\n";
}

// What every registration does: copy the kind, check it is complete and its name free (among loaded plugins
// and this one's earlier registrations), and keep it until the plugin's set-up succeeds. `problem` says what is
// wrong with a kind of this type ("" when nothing).
template <typename Kind>
KraitStatus registerKind(void* context, const Kind* given, KraitError* error, const char* what, const char* Kind::*key,
                         std::vector<Kind> Loading::*pending, std::vector<Registered<Kind>> PluginRegistries::*loaded,
                         const std::function<std::string(const Kind&)>& problem) {
  Loading& l = loadingOf(context);
  if (!l.open) return refuseClosed(error);
  Kind k;
  if (!copyKind(given, k, error)) return KRAIT_ERROR_INPUT;
  if (!(k.*key) || !*(k.*key)) {
    setError(error, std::string("a ") + what + " has no name");
    return KRAIT_ERROR_INPUT;
  }
  const std::string name = k.*key;
  if (const std::string wrong = problem(k); !wrong.empty()) {
    setError(error, std::string(what) + " " + name + " " + wrong);
    return KRAIT_ERROR_INPUT;
  }
  PluginRegistries& r = pluginRegistries();
  const std::lock_guard<std::mutex> lock(r.mutex);
  const auto same = [&](const Kind& o) { return name == o.*key; };
  for (const auto& o : r.*loaded)
    if (same(o.kind)) {
      setError(error, std::string(what) + " " + name + " is already provided by plugin " + o.plugin);
      return KRAIT_ERROR_INPUT;
    }
  if (std::any_of((l.*pending).begin(), (l.*pending).end(), same)) {
    setError(error, std::string(what) + " " + name + " is registered twice");
    return KRAIT_ERROR_INPUT;
  }
  (l.*pending).push_back(k);
  return KRAIT_OK;
}

KraitStatus registerNetwork(void* context, const KraitNetworkKind* kind, KraitError* error) {
  return registerKind<KraitNetworkKind>(
      context, kind, error, "trainer", &KraitNetworkKind::trainer, &Loading::networks, &PluginRegistries::networks,
      [](const KraitNetworkKind& k) -> std::string {
        if (!k.create || !k.load_weights || !k.to || !k.forward || !k.destroy)
          return "lacks one of create, load_weights, to, forward, destroy";
        for (const models::TrainerEntry& e : models::registeredTrainers())
          if (e.trainer == k.trainer) return "is already provided by " + e.provider;
        return "";
      });
}

KraitStatus registerClassifier(void* context, const KraitClassifierKind* kind, KraitError* error) {
  return registerKind<KraitClassifierKind>(
      context, kind, error, "classifier", &KraitClassifierKind::id, &Loading::classifiers, &PluginRegistries::classifiers,
      [](const KraitClassifierKind& k) -> std::string {
        return !k.open || !k.classify || !k.close || dataKindOf(k.data_kind) == DataKind::None
                   ? "lacks open, classify or close, or a data kind"
                   : "";
      });
}

KraitStatus registerReader(void* context, const KraitReaderKind* kind, KraitError* error) {
  return registerKind<KraitReaderKind>(
      context, kind, error, "reader", &KraitReaderKind::id, &Loading::readers, &PluginRegistries::readers,
      [](const KraitReaderKind& k) -> std::string {
        return !k.can_read || !k.read || !k.release || dataKindOf(k.data_kind) == DataKind::None
                   ? "lacks can_read, read or release, or a data kind"
                   : "";
      });
}

KraitStatus registerCommand(void* context, const KraitCommand* command, KraitError* error) {
  return registerKind<KraitCommand>(context, command, error, "command", &KraitCommand::name, &Loading::commands,
                                    &PluginRegistries::commands, [](const KraitCommand& k) -> std::string {
                                      if (!k.run) return "has no run";
                                      return k.name[0] == '-' ? "may not start with '-'" : "";
                                    });
}

KraitStatus registerPanel(void* context, const KraitPanelKind* panel, KraitError* error) {
  return registerKind<KraitPanelKind>(context, panel, error, "panel", &KraitPanelKind::id, &Loading::panels,
                                      &PluginRegistries::panels, [](const KraitPanelKind& k) -> std::string {
                                        return !k.create || (k.data_kind != KRAIT_DATA_NONE && !k.open)
                                                   ? "has no create, or a data kind but no open"
                                                   : "";
                                      });
}

std::string text(const char* s) { return s ? s : ""; }

// Moves what the plugin registered into the registries (networks also into the trainer registry).
void commit(const Loading& l, PluginRecord& record) {
  PluginRegistries& r = pluginRegistries();
  const std::lock_guard<std::mutex> lock(r.mutex);
  for (const auto& k : l.networks) {
    r.networks.push_back({k, record.name, l.file});
    registerPluginTrainer(r.networks.back());
    record.provides.push_back("network " + text(k.trainer));
  }
  for (const auto& k : l.classifiers) {
    r.classifiers.push_back({k, record.name, l.file});
    record.provides.push_back("classifier " + text(k.id));
  }
  for (const auto& k : l.readers) {
    r.readers.push_back({k, record.name, l.file});
    record.provides.push_back("reader " + text(k.id));
  }
  for (const auto& k : l.commands) {
    r.commands.push_back({k, record.name, l.file});
    record.provides.push_back("command " + text(k.name));
  }
  for (const auto& k : l.panels) {
    r.panels.push_back({k, record.name, l.file});
    record.provides.push_back("panel " + text(k.id));
  }
}

bool nameTaken(const std::string& name, std::string& where) {
  PluginRegistries& r = pluginRegistries();
  const std::lock_guard<std::mutex> lock(r.mutex);
  for (const PluginRecord& p : r.records)
    if (p.loaded && p.name == name) {
      where = p.file.string();
      return true;
    }
  return false;
}

bool fileLoaded(const fs::path& file, std::string& where) {
  std::error_code ec;
  PluginRegistries& r = pluginRegistries();
  const std::lock_guard<std::mutex> lock(r.mutex);
  for (const PluginRecord& p : r.records)
    if (p.loaded && fs::equivalent(p.file, file, ec)) {
      where = p.file.string();
      return true;
    }
  return false;
}

// Loads one plugin; the record says what came of it. A refused plugin is unloaded again.
PluginRecord loadPlugin(const fs::path& file) {
  PluginRecord record;
  record.file = file;
  if (std::string where; fileLoaded(file, where)) {
    record.error = "this plugin is already loaded from " + where;
    return record;
  }
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    record.error = std::string("cannot be loaded: ") + (why ? why : "dlopen failed");
    return record;
  }
  const auto refuse = [&](const std::string& why) {
    record.error = why;
    dlclose(handle);
    return record;
  };
  const auto abi = reinterpret_cast<KraitPluginAbiFunction>(dlsym(handle, "krait_plugin_abi"));
  const auto init = reinterpret_cast<KraitPluginInitFunction>(dlsym(handle, "krait_plugin_init"));
  if (!abi || !init) return refuse("not a Krait plugin: it does not export krait_plugin_abi and krait_plugin_init");
  const uint32_t version = abi();
  const uint32_t major = version >> 16, minor = version & 0xffffu;
  if (major != KRAIT_PLUGIN_ABI_MAJOR || minor > KRAIT_PLUGIN_ABI_MINOR)
    return refuse("built for plugin ABI " + std::to_string(major) + "." + std::to_string(minor) + "; this Krait has " +
                  std::to_string(KRAIT_PLUGIN_ABI_MAJOR) + "." + std::to_string(KRAIT_PLUGIN_ABI_MINOR) +
                  " (rebuild the plugin against this Krait's SDK)");

  // The host table and the plugin's registration state live as long as the process: a plugin may keep them.
  auto* loading = new Loading;
  loading->file = file.string();
  auto* host = new KraitHost{KRAIT_PLUGIN_ABI_VERSION, sizeof(KraitHost), KRAIT_VERSION, loading, hostLog,
                             registerNetwork, registerClassifier, registerReader, registerCommand, registerPanel,
                             hostSelectiveScan, hostSelectiveScanBackward, hostReadTensors};
  KraitPluginInfo info{};
  info.struct_size = sizeof info;
  KraitError error{};
  const KraitStatus status = callPlugin(error, [&] { return init(host, &info, &error); });
  loading->open = false;
  record.name = text(info.name);
  record.version = text(info.version);
  record.description = text(info.description);
  if (status != KRAIT_OK) return refuse(pluginError(status, record.name.empty() ? file.filename().string() : record.name,
                                                    "set-up failed", error).what());
  if (record.name.empty()) return refuse("its set-up gave no plugin name");
  if (std::string where; nameTaken(record.name, where)) return refuse("a plugin named " + record.name + " is already loaded from " + where);
  commit(*loading, record);
  record.loaded = true;
  return record;
}

// <folder>/*.so, and <folder>/<name>/<name>.so; sorted, so that the order is the same on every machine.
std::vector<fs::path> pluginFiles(const fs::path& folder) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const fs::path& p = entry.path();
    if (entry.is_regular_file(ec) && p.extension() == ".so") files.push_back(p);
    else if (entry.is_directory(ec) && fs::is_regular_file(p / (p.filename().string() + ".so"), ec))
      files.push_back(p / (p.filename().string() + ".so"));
  }
  std::sort(files.begin(), files.end());
  return files;
}

template <typename Kind>
const Registered<Kind>& find(const std::vector<Registered<Kind>>& all, const std::string& name, const char* Kind::*key,
                             const char* what) {
  for (const auto& r : all)
    if (name == r.kind.*key) return r;
  throw Error(ErrorKind::Usage, std::string("no plugin provides the ") + what + " '" + name + "'");
}

}  // namespace
}  // namespace engine

std::vector<fs::path> pluginFolders() {
  std::vector<fs::path> folders;
  if (const char* list = std::getenv("KRAIT_PLUGIN_PATH"); list && *list) {
    std::string all = list;
    for (size_t start = 0; start <= all.size();) {
      const size_t end = std::min(all.find(':', start), all.size());
      if (end > start) folders.emplace_back(all.substr(start, end - start));
      start = end + 1;
    }
  }
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) folders.push_back(fs::path(x) / "krait" / "plugins");
  else if (const char* h = std::getenv("HOME"); h && *h) folders.push_back(fs::path(h) / ".local" / "share" / "krait" / "plugins");
  // <libdir>/krait/plugins beside the libkrait.so in use.
  if (const fs::path lib = loadedObjectFolder(reinterpret_cast<const void*>(&pluginFolders)); !lib.empty())
    folders.push_back(lib / "krait" / "plugins");
  return folders;
}

std::vector<PluginRecord> loadPlugins(const std::vector<fs::path>& folders) {
  std::vector<PluginRecord> seen;
  for (const fs::path& folder : folders)
    for (const fs::path& file : engine::pluginFiles(folder)) {
      PluginRecord record = engine::loadPlugin(file);
      engine::PluginRegistries& r = engine::pluginRegistries();
      const std::lock_guard<std::mutex> lock(r.mutex);
      r.records.push_back(record);
      seen.push_back(std::move(record));
    }
  return seen;
}

std::vector<PluginRecord> plugins() {
  engine::PluginRegistries& r = engine::pluginRegistries();
  const std::lock_guard<std::mutex> lock(r.mutex);
  return r.records;
}

std::vector<PluginCommand> pluginCommands() {
  engine::PluginRegistries& r = engine::pluginRegistries();
  const std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<PluginCommand> out;
  for (const auto& c : r.commands) out.push_back({c.kind.name, engine::text(c.kind.summary), c.plugin});
  return out;
}

int runPluginCommand(const std::string& name, const std::vector<std::string>& args) {
  KraitCommand command;
  {
    engine::PluginRegistries& r = engine::pluginRegistries();
    const std::lock_guard<std::mutex> lock(r.mutex);
    command = engine::find(r.commands, name, &KraitCommand::name, "command").kind;
  }
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  KraitError error{};
  int code = 1;
  const KraitStatus status = engine::callPlugin(error, [&] {
    code = command.run(command.user, static_cast<int>(argv.size()), argv.data());
    return KRAIT_OK;
  });
  if (status != KRAIT_OK) throw engine::pluginError(status, name, "command", error);
  return code;
}

std::vector<PluginPanel> pluginPanels() {
  engine::PluginRegistries& r = engine::pluginRegistries();
  const std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<PluginPanel> out;
  for (const auto& p : r.panels) out.push_back({p.kind.id, engine::text(p.kind.title), p.plugin, engine::dataKindOf(p.kind.data_kind)});
  return out;
}

namespace {

engine::Registered<KraitPanelKind> panelKind(const std::string& id) {
  engine::PluginRegistries& r = engine::pluginRegistries();
  const std::lock_guard<std::mutex> lock(r.mutex);
  return engine::find(r.panels, id, &KraitPanelKind::id, "panel");
}

}  // namespace

void* createPluginPanel(const std::string& id, void* parent) {
  const auto panel = panelKind(id);
  KraitError error{};
  void* widget = nullptr;
  const KraitStatus status = engine::callPlugin(error, [&] {
    widget = panel.kind.create(panel.kind.user, parent, &error);
    return widget ? KRAIT_OK : KRAIT_ERROR_INTERNAL;
  });
  if (status != KRAIT_OK) throw engine::pluginError(status, panel.plugin, "panel " + id, error);
  return widget;
}

void openInPluginPanel(const std::string& id, void* widget, const fs::path& file) {
  const auto panel = panelKind(id);
  if (!panel.kind.open) throw Error(ErrorKind::Usage, "panel " + id + " does not open files");
  KraitError error{};
  const KraitStatus status =
      engine::callPlugin(error, [&] { return panel.kind.open(panel.kind.user, widget, file.c_str(), &error); });
  if (status != KRAIT_OK) throw inputError(file.string(), engine::pluginError(status, panel.plugin, "panel " + id, error).what());
}

}  // namespace krait
