#pragma once
// The plugin host: plugins (shared libraries built against krait/plugin.h, the SDK) are found in the plugin
// folders and loaded by initEngine(); what they provide is reached here. Segmentation networks need nothing
// from front ends: a plugin's trainer joins the trainer registry and every Segmenter uses it. Readers,
// classifiers, commands and studio panels are offered to the front ends below. LibTorch-free header.
//
// A plugin runs in Krait's process: a bad plugin (wrong ABI, missing entry point, failing or throwing set-up,
// a name already taken) is skipped with its reason recorded, and errors its calls return become krait::Error;
// but one that crashes, corrupts memory or never returns takes the process with it (docs/plugins.md).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "krait/base/volume.h"
#include "krait/engine/segmenter.h"

namespace krait {

struct PluginRecord {
  std::filesystem::path file;
  std::string name, version, description;  // as the plugin gave them (empty when it was refused before)
  bool loaded = false;
  std::string error;                  // why it was skipped
  std::vector<std::string> provides;  // "network nnUNetTrainer", "reader npy", "command npy-info", ...
};

// Where plugins are looked for, in order: each folder of $KRAIT_PLUGIN_PATH (':'-separated), the user's data
// folder ($XDG_DATA_HOME/krait/plugins, else ~/.local/share/krait/plugins), then <prefix>/lib/krait/plugins of
// this installation. A plugin is <folder>/<name>.so, or <folder>/<name>/<name>.so (a folder of its own).
std::vector<std::filesystem::path> pluginFolders();

// Loads the plugins of `folders` (what initEngine does with pluginFolders()); a plugin whose name is already
// loaded is skipped. Returns the records of this call.
std::vector<PluginRecord> loadPlugins(const std::vector<std::filesystem::path>& folders);
// Every plugin seen so far, loaded or skipped, in the order seen.
std::vector<PluginRecord> plugins();

// ---- Data that readers give and classifiers take ----

enum class DataKind { None, Volume, Waveform, Slide };
const char* dataKindName(DataKind kind);  // "volume", "waveform", "slide", "none"

struct Waveform {
  double samplingRateHz = 0.0;
  std::vector<std::string> leads;
  int64_t samples = 0;         // per lead
  std::vector<float> microvolts;  // leads x samples, lead-major
};

struct Data {
  DataKind kind = DataKind::None;
  std::string source;
  Volume volume;      // DataKind::Volume
  Waveform waveform;  // DataKind::Waveform (a slide is read by its classifier from `source`)
};

struct PluginReader {
  std::string id, plugin, description;
  DataKind kind = DataKind::None;
  std::vector<std::string> extensions;  // ".hea", ...
};
std::vector<PluginReader> pluginReaders();
// The id of the first plugin reader that takes `path` (of `kind`, unless None), or "" when none does.
std::string pluginReaderFor(const std::filesystem::path& path, DataKind kind = DataKind::None);
// Throws Error(Input) naming the file when the reader fails or gives malformed data.
Data readWithPlugin(const std::string& readerId, const std::filesystem::path& path);

// ---- Classifiers ----

struct PluginClassifier {
  std::string id, plugin, description;
  DataKind kind = DataKind::None;
};
std::vector<PluginClassifier> pluginClassifiers();

struct ClassLabel {
  std::string id, name, code;
  double threshold = 0.5;
};

// A classifier model opened through its plugin.
class Classifier {
 public:
  // Throws Error(Usage) for an unknown classifier id, Error(Input) for a model the plugin refuses.
  Classifier(const std::string& classifierId, const std::string& model, const std::string& device = "cpu");
  ~Classifier();
  Classifier(const Classifier&) = delete;
  Classifier& operator=(const Classifier&) = delete;

  DataKind kind() const;
  const std::string& modelName() const;
  const std::vector<ClassLabel>& labels() const;
  bool multiLabel() const;
  // One score per label. Throws Error(Usage) for data of another kind, Error(Cancelled) when progress returns
  // false, and the plugin's failures as Error of the matching kind.
  std::vector<float> classify(const Data& data, const ProgressCallback& progress = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- Front-end contributions ----

struct PluginCommand {
  std::string name, summary, plugin;
};
std::vector<PluginCommand> pluginCommands();
// args[0] is the command's name. Returns its exit code.
int runPluginCommand(const std::string& name, const std::vector<std::string>& args);

struct PluginPanel {
  std::string id, title, plugin;
  DataKind kind = DataKind::None;  // files of this kind open in the panel
};
std::vector<PluginPanel> pluginPanels();
// The panel's QWidget* made with `parent` (a QWidget*) as parent. Throws Error when the plugin fails.
void* createPluginPanel(const std::string& id, void* parent);
// Throws Error(Input) naming the file when the plugin cannot show it.
void openInPluginPanel(const std::string& id, void* panel, const std::filesystem::path& file);

}  // namespace krait
