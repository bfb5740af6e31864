#include <iostream>

#include <nlohmann/json.hpp>

#include "arg_parser.h"
#include "commands.h"
#include "krait/base/error.h"
#include "krait/engine/plugins.h"
#include "krait/models/nnunet/model_store.h"

using nlohmann::json;

namespace krait::cli {
namespace {

json describe(const PluginRecord& p) {
  json d{{"file", p.file.string()}, {"loaded", p.loaded}, {"name", p.name}, {"version", p.version},
         {"description", p.description}, {"provides", p.provides}};
  if (!p.loaded) d["error"] = p.error;
  return d;
}

void printRecord(const PluginRecord& p, bool details) {
  if (!p.loaded) {
    std::cout << "skipped " << p.file.string() << "\n  " << p.error << "\n";
    return;
  }
  std::cout << p.name << " " << p.version << "  (" << p.file.string() << ")\n";
  if (details && !p.description.empty()) std::cout << "  " << p.description << "\n";
  for (const std::string& what : p.provides) std::cout << "  " << what << "\n";
}

}  // namespace

int runPlugins(const std::vector<std::string>& argv) {
  ArgParser args("krait plugins list | info NAME [--json]",
                 "Lists the plugins Krait found in its plugin folders ($KRAIT_PLUGIN_PATH, then\n"
                 "~/.local/share/krait/plugins, then the installation's lib/krait/plugins), what each provides,\n"
                 "and the ones it skipped with the reason; 'info' describes one plugin.",
                 {{"--json", "", "machine-readable output"}}, 2);
  if (args.parseOrShowHelp(argv)) return 0;
  const auto& pos = args.positionals();
  if (pos.empty()) throw Error(ErrorKind::Usage, "missing the action: list or info (see --help)");
  const bool asJson = args.has("--json");
  if (pos[0] == "list") {
    if (pos.size() != 1) throw Error(ErrorKind::Usage, "krait plugins list takes no operand");
    json all = json::array();
    for (const PluginRecord& p : plugins()) all.push_back(describe(p));
    if (asJson) {
      json folders = json::array();
      for (const auto& f : pluginFolders()) folders.push_back(f.string());
      std::cout << json{{"folders", folders}, {"plugins", all}}.dump() << "\n";
      return 0;
    }
    if (plugins().empty()) std::cout << "no plugins\n";
    for (const PluginRecord& p : plugins()) printRecord(p, false);
    std::cout << "searched:";
    for (const auto& f : pluginFolders()) std::cout << " " << f.string();
    std::cout << "\n";
    return 0;
  }
  if (pos[0] == "info") {
    if (pos.size() != 2) throw Error(ErrorKind::Usage, "krait plugins info takes exactly one NAME");
    for (const PluginRecord& p : plugins())
      if (p.name == pos[1] || p.file.filename() == pos[1]) {
        if (asJson) std::cout << describe(p).dump() << "\n";
        else printRecord(p, true);
        return 0;
      }
    throw Error(ErrorKind::Input, "no plugin named '" + pos[1] + "' (krait plugins list)");
  }
  throw Error(ErrorKind::Usage, "unknown action '" + pos[0] + "' (list, info)");
}

}  // namespace krait::cli
