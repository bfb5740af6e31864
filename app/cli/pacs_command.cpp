// krait pacs: a thin front end over krait::io's DIMSE client (echo, find, get, send) and the settings file
// that names the nodes (docs/pacs.md).
#include <iostream>
#include <set>

#include <nlohmann/json.hpp>

#include "arg_parser.h"
#include "commands.h"
#include "krait/base/error.h"
#include "krait/io/dicom.h"
#include "krait/io/pacs.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace krait::cli {
namespace {

// Options that only some actions take: any other action given one refuses it rather than ignore it.
const std::map<std::string, std::set<std::string>> kActionOptions{
    {"nodes", {}},
    {"echo", {"--node"}},
    {"find", {"--node", "-k"}},
    {"get", {"--node", "--study", "--series", "-o"}},
    {"send", {"--node"}},
};

void checkOptions(const ArgParser& args, const std::string& action) {
  for (const std::string& option : {"--node", "-k", "--study", "--series", "-o"})
    if (args.has(option) && !kActionOptions.at(action).count(option))
      throw Error(ErrorKind::Usage, "krait pacs " + action + " does not take " + option);
}

io::QueryMatch queryKeys(const std::vector<std::string>& pairs) {
  io::QueryMatch keys;
  for (const std::string& p : pairs) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) throw Error(ErrorKind::Usage, "-k takes Keyword=value (PatientID=123, StudyDate=20240101-), not '" + p + "'");
    keys[p.substr(0, eq)] = p.substr(eq + 1);
  }
  return keys;
}

void printMatches(const std::vector<io::QueryMatch>& matches) {
  for (const io::QueryMatch& m : matches) {
    std::string line;
    for (const auto& [k, v] : m)
      if (!v.empty()) line += (line.empty() ? "" : "  ") + k + "=" + v;
    std::cout << line << "\n";
  }
  std::cerr << matches.size() << " match(es)\n";
}

std::vector<fs::path> filesToSend(const std::vector<std::string>& operands) {
  std::vector<fs::path> files;
  for (const std::string& o : operands) {
    if (fs::is_directory(o)) {
      std::vector<fs::path> inside;
      for (const auto& e : fs::recursive_directory_iterator(o))
        if (e.is_regular_file() && e.path().filename().string()[0] != '.') inside.push_back(e.path());
      std::sort(inside.begin(), inside.end());
      if (inside.empty()) throw inputError(o, "is an empty folder");
      files.insert(files.end(), inside.begin(), inside.end());
    } else if (fs::is_regular_file(o)) {
      files.emplace_back(o);
    } else {
      throw inputError(o, "no such file or folder");
    }
  }
  return files;
}

}  // namespace

int runPacs(const std::vector<std::string>& argv) {
  ArgParser args("krait pacs nodes | echo | find LEVEL | get | send FILE|FOLDER... [options]",
                 "Talks to a PACS over DICOM (DIMSE): 'nodes' lists the configured nodes, 'echo' checks one (C-ECHO),\n"
                 "'find' queries it at patient, study, series or image LEVEL (C-FIND), 'get' retrieves a series\n"
                 "(C-GET, or C-MOVE to Krait's storage SCP when the node says so), 'send' stores files (C-STORE).\n"
                 "Nodes and Krait's AE title come from the settings file (docs/pacs.md).",
                 {{"--node", "NAME", "the node in the settings (default: the settings' default node)"},
                  {"--pacs-config", "FILE", "the settings (default: $KRAIT_PACS_CONFIG or ~/.config/krait/pacs.json)"},
                  {"-k", "KEY=VALUE", "find: a matching key, e.g. -k PatientID=123 -k StudyDate=20240101- (repeatable)"},
                  {"--study", "UID", "get: the Study Instance UID"},
                  {"--series", "UID", "get: the Series Instance UID"},
                  {"-o", "FOLDER", "get: where the series' files go (created; files appear only when all arrived)"},
                  {"--json", "", "machine-readable output on stdout"},
                  {"--verbose", "", "also show DCMTK's messages about the associations and transfers"}},
                 64);
  if (args.parseOrShowHelp(argv)) return 0;
  const std::vector<std::string>& operands = args.positionals();
  if (operands.empty()) throw Error(ErrorKind::Usage, "missing the action: nodes, echo, find, get or send (see --help)");
  const std::string action = operands[0];
  if (!kActionOptions.count(action)) throw Error(ErrorKind::Usage, "unknown action '" + action + "' (nodes, echo, find, get, send)");
  checkOptions(args, action);
  if (action != "send" && action != "find" && operands.size() > 1)
    throw Error(ErrorKind::Usage, "krait pacs " + action + " takes no operand '" + operands[1] + "'");

  io::showDicomMessages(args.has("--verbose"));
  const io::PacsSettings settings = io::PacsSettings::load(io::pacsSettingsFile(args.value("--pacs-config")));
  const bool asJson = args.has("--json");
  if (action == "nodes") {
    json nodes = json::array();
    for (const auto& [name, n] : settings.nodes) {
      nodes.push_back({{"name", name}, {"ae_title", n.aeTitle}, {"host", n.host}, {"port", n.port}, {"retrieve", n.retrieve},
                       {"tls", n.tls}, {"default", name == settings.defaultNode}});
      if (!asJson) std::cout << name << "  " << n.address() << "  " << n.retrieve << (n.tls ? "  tls" : "")
                             << (name == settings.defaultNode ? "  (default)" : "") << "\n";
    }
    if (asJson) std::cout << json{{"ae_title", settings.aeTitle}, {"store_port", settings.storePort}, {"nodes", nodes}}.dump() << "\n";
    return 0;
  }
  const io::PacsNode& node = settings.node(args.value("--node"));
  if (action == "echo") {
    io::pacsEcho(settings, node);
    if (asJson) std::cout << json{{"node", node.name}, {"echo", "ok"}}.dump() << "\n";
    else std::cout << node.name << " (" << node.address() << ") answers C-ECHO\n";
  } else if (action == "find") {
    if (operands.size() != 2) throw Error(ErrorKind::Usage, "krait pacs find takes one LEVEL: patient, study, series or image");
    const auto matches = io::pacsFind(settings, node, io::queryLevelNamed(operands[1]), queryKeys(args.values("-k")));
    if (asJson) std::cout << json(matches).dump() << "\n";
    else printMatches(matches);
  } else if (action == "get") {
    for (const char* required : {"--study", "--series", "-o"})
      if (!args.has(required)) throw Error(ErrorKind::Usage, std::string("krait pacs get needs ") + required);
    const io::RetrieveResult r = io::pacsRetrieveSeries(settings, node, args.value("--study"), args.value("--series"), args.value("-o"));
    json files = json::array();
    for (const fs::path& f : r.files) files.push_back(f.string());
    if (asJson) std::cout << json{{"node", node.name}, {"files", files}, {"warnings", r.warnings}}.dump() << "\n";
    else std::cout << "retrieved " << r.files.size() << " instance(s) into " << args.value("-o")
                   << (r.warnings ? " (" + std::to_string(r.warnings) + " with warnings)" : std::string()) << "\n";
  } else {
    if (operands.size() < 2) throw Error(ErrorKind::Usage, "krait pacs send needs the files or folders to send");
    const std::vector<fs::path> files = filesToSend({operands.begin() + 1, operands.end()});
    io::pacsSend(settings, node, files);
    if (asJson) std::cout << json{{"node", node.name}, {"sent", files.size()}}.dump() << "\n";
    else std::cout << "sent " << files.size() << " file(s) to " << node.name << " (" << node.address() << ")\n";
  }
  return 0;
}

}  // namespace krait::cli
