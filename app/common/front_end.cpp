#include "front_end.h"

#include <mutex>

#include "krait/engine/plugins.h"
#include "krait/io/volume_io.h"

namespace krait::app {

EngineInfo startEngine(const EngineOptions& options) {
  const EngineInfo info = initEngine(options);
  static std::once_flag once;
  std::call_once(once, [] {
    for (const PluginReader& reader : pluginReaders()) {
      if (reader.kind != DataKind::Volume) continue;
      const std::string id = reader.id;
      io::registerVolumeReader({id + " (plugin " + reader.plugin + ")",
                                [id](const std::filesystem::path& p) { return pluginReaderFor(p, DataKind::Volume) == id; },
                                [id](const std::filesystem::path& p) { return readWithPlugin(id, p).volume; }});
    }
  });
  return info;
}

std::vector<std::string> skippedPlugins() {
  std::vector<std::string> lines;
  for (const PluginRecord& p : plugins())
    if (!p.loaded) lines.push_back(p.file.string() + ": " + p.error);
  return lines;
}

}  // namespace krait::app
