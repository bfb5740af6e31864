// krait: the command-line front end. Exit codes (docs/cli.md): 0 success, 1 internal error, 2 usage error,
// 3 invalid or unreadable input, 4 output cannot be written, 5 out of memory, 130 cancelled. Plugins load before any
// command: they may add commands and readers.
#include <exception>
#include <iostream>

#include "commands.h"
#include "front_end.h"
#include "krait/base/error.h"
#include "krait/engine/build_info.h"
#include "krait/engine/plugins.h"
#include "segmentation_options.h"

namespace {

void printUsage(std::ostream& out) {
  out << "usage: krait COMMAND [options]\n\nKrait: native Mamba segmentation for CT and MR.\n\ncommands:\n";
  for (const auto& c : krait::cli::commands()) {
    std::string name = std::string("  ") + c.name;
    name.resize(12, ' ');
    out << name << c.summary << "\n";
  }
  if (!krait::pluginCommands().empty()) out << "\ncommands of plugins:\n";
  for (const auto& c : krait::pluginCommands()) {
    std::string name = "  " + c.name;
    name.resize(12, ' ');
    out << name << c.summary << "  [" << c.plugin << "]\n";
  }
  out << "\n'krait COMMAND --help' describes a command. Exit codes: 0 ok, 1 internal error, 2 usage,\n"
         "3 bad input, 4 cannot write output, 5 out of memory, 6 PACS or network failure, 130 cancelled.\n";
}

bool builtIn(const std::string& name) {
  for (const auto& c : krait::cli::commands())
    if (name == c.name) return true;
  return false;
}

// Plugins that were skipped, and plugin commands that Krait's own hide, are said once per run.
void warnAboutPlugins() {
  for (const std::string& line : krait::app::skippedPlugins()) std::cerr << "krait: plugin skipped: " << line << "\n";
  for (const auto& c : krait::pluginCommands())
    if (builtIn(c.name)) std::cerr << "krait: plugin " << c.plugin << "'s command '" << c.name << "' is hidden by Krait's own\n";
}

int run(const std::string& name, const std::vector<std::string>& args, int (*command)(const std::vector<std::string>&)) {
  try {
    return command ? command(args) : krait::runPluginCommand(name, args);
  } catch (const krait::Error& e) {
    std::cerr << "krait " << name << ": " << e.what() << "\n";
    return krait::exitCodeFor(e.kind());
  } catch (const std::exception& e) {
    std::cerr << "krait " << name << ": internal error: " << e.what() << "\n";
    return 1;
  }
}

// Before the engine starts: what a bug report needs must print even where plugins would fail to load.
int printVersion(const std::vector<std::string>& args) {
  const bool asJson = args == std::vector<std::string>{"--json"};
  if (!args.empty() && !asJson) {
    std::cerr << "krait: --version takes only --json\n";
    return 2;
  }
  if (asJson)
    std::cout << krait::cli::versionsReport().dump() << "\n";
  else
    std::cout << "krait " << krait::buildInfo().fullVersion() << "\n" << krait::buildInfoText(krait::buildInfo());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> all(argv + 1, argv + argc);
  if (!all.empty() && all[0] == "--version") return printVersion({all.begin() + 1, all.end()});
  // The engine's set-up (memory cache, plugins) before any command: plugins may add commands and readers.
  try {
    krait::app::startEngine();
  } catch (const std::exception& e) {
    std::cerr << "krait: internal error while starting: " << e.what() << "\n";
    return 1;
  }
  if (all.empty() || all[0] != "plugins") warnAboutPlugins();
  if (all.empty() || all[0] == "--help" || all[0] == "-h" || all[0] == "help") {
    printUsage(all.empty() ? std::cerr : std::cout);
    return all.empty() ? 2 : 0;
  }
  for (const auto& c : krait::cli::commands())
    if (all[0] == c.name) return run(c.name, {all.begin() + 1, all.end()}, c.run);
  for (const auto& c : krait::pluginCommands())
    if (all[0] == c.name) return run(c.name, all, nullptr);
  std::cerr << "krait: unknown command '" << all[0] << "'\n\n";
  printUsage(std::cerr);
  return 2;
}
