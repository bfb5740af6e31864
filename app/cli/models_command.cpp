#include <algorithm>
#include <iostream>

#include <nlohmann/json.hpp>

#include "arg_parser.h"
#include "commands.h"
#include "krait/base/error.h"
#include "krait/models/nnunet/model_store.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace krait::cli {
namespace {

json describe(const models::ModelManifest& m) {
  json labels = json::array();
  for (const auto& l : m.labels) labels.push_back({{"value", l.value}, {"name", l.name}, {"colour", l.colour}});
  return {{"name", m.name},       {"network", m.network},     {"trainer", m.trainer},
          {"configuration", m.configuration}, {"folds", m.folds}, {"checkpoint", m.checkpointName},
          {"channels", m.channels}, {"labels", labels},       {"patch_size", m.patchSize},
          {"target_spacing", m.targetSpacing}, {"files", m.files}, {"checksum", m.checksum},
          {"source", m.source}};
}

std::string joined(const json& list) {
  std::string out;
  for (const auto& v : list) out += (out.empty() ? "" : ", ") + (v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}

void printInfo(const json& d) {
  std::cout << d.at("name").get<std::string>() << "\n"
            << "  network        " << d.at("network").get<std::string>() << " (" << d.at("trainer").get<std::string>()
            << ", " << d.at("configuration").get<std::string>() << ")\n"
            << "  folds          " << joined(d.at("folds")) << "  (" << d.at("checkpoint").get<std::string>() << ")\n"
            << "  channels       " << joined(d.at("channels")) << "\n"
            << "  patch size     " << joined(d.at("patch_size")) << "\n"
            << "  target spacing " << joined(d.at("target_spacing")) << " mm\n"
            << "  labels\n";
  for (const auto& l : d.at("labels"))
    std::cout << "    " << l.at("value").get<int>() << "  " << l.at("name").get<std::string>() << "  rgb("
              << joined(l.at("colour")) << ")\n";
  std::cout << "  checksum       " << d.at("checksum").get<std::string>() << "\n";
}

}  // namespace

int runModels(const std::vector<std::string>& argv) {
  ArgParser args("krait models import FOLDER | list | info MODEL | verify MODEL | remove MODEL [options]",
                 "Manages Krait's model store. 'import' copies an nnU-Net model folder (plans.json,\n"
                 "dataset.json, fold_*/checkpoint) into the store after loading every fold; 'verify' re-hashes the\n"
                 "stored files. MODEL is a stored model's name or a model folder's path.",
                 {{"--folds", "F,F", "import: the folds to take (default: every fold present)"},
                  {"--name", "NAME", "import: the stored name (default: <dataset>__<trainer>__<configuration>)"},
                  {"--checkpoint", "NAME", "import: checkpoint file of each fold (default checkpoint_final.pth)"},
                  {"--models-dir", "DIR", "the store (default: $KRAIT_MODELS or ~/.local/share/krait/models)"},
                  {"--json", "", "machine-readable output"}},
                 2);
  if (args.parseOrShowHelp(argv)) return 0;
  const auto& pos = args.positionals();
  const std::vector<std::string> actions{"import", "list", "info", "verify", "remove"};
  std::string actionList;
  for (const std::string& a : actions) actionList += (actionList.empty() ? "" : ", ") + a;
  if (pos.empty()) throw Error(ErrorKind::Usage, "missing the action: " + actionList + " (see --help)");
  const std::string action = pos[0];
  if (std::find(actions.begin(), actions.end(), action) == actions.end())
    throw Error(ErrorKind::Usage, "unknown action '" + action + "' (" + actionList + ")");
  const size_t operands = action == "list" ? 1 : 2;
  if (pos.size() != operands)
    throw Error(ErrorKind::Usage, "krait models " + action + (operands == 1 ? " takes no operand" : " takes exactly one operand"));
  const fs::path store = models::modelStoreDir(args.value("--models-dir"));
  const bool asJson = args.has("--json");

  if (action == "import") {
    const auto m = models::importModel(pos[1], store, args.listValue("--folds"), args.value("--name"),
                                       args.value("--checkpoint", "checkpoint_final.pth"));
    if (asJson) std::cout << describe(m).dump() << "\n";
    else std::cout << "imported " << m.name << " into " << (store / m.name).string() << "\n";
    return 0;
  }
  if (action == "list") {
    json all = json::array();
    for (const auto& m : models::availableModels(store)) {
      json d = describe(m);
      d["bundled"] = m.bundled;
      d["folder"] = m.folder.string();
      all.push_back(std::move(d));
    }
    if (asJson) {
      std::cout << all.dump() << "\n";
    } else if (all.empty()) {
      std::cout << "no models in " << store.string() << " (krait models import FOLDER)\n";
    } else {
      for (const auto& d : all)
        std::cout << d.at("name").get<std::string>() << "  " << d.at("network").get<std::string>() << " "
                  << d.at("configuration").get<std::string>() << "  folds " << joined(d.at("folds")) << "  "
                  << d.at("labels").size() << " labels" << (d.at("bundled").get<bool>() ? "  (bundled)" : "") << "\n";
    }
    return 0;
  }
  if (action == "remove") {
    models::removeModel(store, pos[1]);
    if (!asJson) std::cout << "removed " << pos[1] << "\n";
    return 0;
  }
  const fs::path dir = models::resolveModel(pos[1], store);
  const bool stored = fs::exists(dir / "manifest.json");
  if (action == "info") {
    const json d = describe(stored ? models::readManifest(dir) : models::describeModelFolder(dir));
    if (asJson) std::cout << d.dump() << "\n";
    else printInfo(d);
    return 0;
  }
  if (action == "verify") {
    if (!stored) throw Error(ErrorKind::Usage, dir.string() + " is not a stored model: only stored models carry checksums");
    const auto problems = models::verifyModel(dir);
    if (asJson) std::cout << json{{"model", dir.string()}, {"ok", problems.empty()}, {"problems", problems}}.dump() << "\n";
    else if (problems.empty()) std::cout << dir.filename().string() << ": ok\n";
    else for (const auto& p : problems) std::cerr << dir.string() << ": " << p << "\n";
    return problems.empty() ? 0 : exitCodeFor(ErrorKind::Input);
  }
  throw Error(ErrorKind::Internal, "action '" + action + "' has no code");
}

}  // namespace krait::cli
