// The PACS settings file: Krait's AE title and storage port, and the nodes by name (docs/pacs.md). Strict: an
// unknown key is refused, as a misspelt "tls" that silently sent images in the clear would be worse than an error.
#include <cstdlib>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "krait/base/error.h"
#include "krait/io/pacs.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace krait::io {

namespace {

void onlyKeys(const json& object, const std::set<std::string>& allowed, const std::string& where, const fs::path& file) {
  if (!object.is_object()) throw inputError(file.string(), where + " must be a JSON object");
  for (const auto& [key, value] : object.items())
    if (!allowed.count(key)) {
      std::string known;
      for (const std::string& k : allowed) known += (known.empty() ? "" : ", ") + k;
      throw inputError(file.string(), where + " has an unknown key \"" + key + "\" (known: " + known + ")");
    }
}

// DICOM AE titles: 1 to 16 characters of the default repertoire, no backslash, not all spaces.
std::string readAeTitle(const json& value, const std::string& where, const fs::path& file) {
  if (!value.is_string()) throw inputError(file.string(), where + " must be a string");
  const std::string ae = value.get<std::string>();
  bool printable = !ae.empty() && ae.size() <= 16 && ae.find_first_not_of(' ') != std::string::npos;
  for (char c : ae) printable = printable && c >= 0x20 && c < 0x7f && c != '\\';
  if (!printable) throw inputError(file.string(), where + " \"" + ae + "\" is not an AE title (1 to 16 printable characters, no backslash)");
  return ae;
}

int port(const json& value, const std::string& where, const fs::path& file) {
  if (!value.is_number_integer() || value.get<int64_t>() < 1 || value.get<int64_t>() > 65535)
    throw inputError(file.string(), where + " must be a port number from 1 to 65535");
  return value.get<int>();
}

std::string text(const json& value, const std::string& where, const fs::path& file) {
  if (!value.is_string() || value.get<std::string>().empty())
    throw inputError(file.string(), where + " must be a non-empty string");
  return value.get<std::string>();
}

// A relative certificate path is relative to the settings file, as the file is what names it.
std::string pathBeside(const json& value, const std::string& where, const fs::path& file) {
  const fs::path p = text(value, where, file);
  return (p.is_absolute() ? p : file.parent_path() / p).string();
}

PacsNode readNode(const std::string& name, const json& j, const fs::path& file) {
  const std::string where = "node \"" + name + "\"";
  onlyKeys(j, {"ae_title", "host", "port", "retrieve", "timeout", "tls"}, where, file);
  for (const char* required : {"ae_title", "host", "port"})
    if (!j.contains(required)) throw inputError(file.string(), where + " lacks \"" + required + "\"");
  PacsNode node;
  node.name = name;
  node.aeTitle = readAeTitle(j["ae_title"], where + "'s ae_title", file);
  node.host = text(j["host"], where + "'s host", file);
  node.port = port(j["port"], where + "'s port", file);
  if (j.contains("retrieve")) {
    node.retrieve = text(j["retrieve"], where + "'s retrieve", file);
    if (node.retrieve != "get" && node.retrieve != "move")
      throw inputError(file.string(), where + "'s retrieve must be \"get\" or \"move\", not \"" + node.retrieve + "\"");
  }
  if (j.contains("timeout")) {
    if (!j["timeout"].is_number_integer() || j["timeout"].get<int64_t>() < 1 || j["timeout"].get<int64_t>() > 3600)
      throw inputError(file.string(), where + "'s timeout must be whole seconds from 1 to 3600");
    node.timeoutSeconds = j["timeout"].get<int>();
  }
  if (j.contains("tls")) {
    const json& t = j["tls"];
    onlyKeys(t, {"trusted", "certificate", "key"}, where + "'s tls", file);
    if (!t.contains("trusted")) throw inputError(file.string(), where + "'s tls lacks \"trusted\" (the CA certificates to check the node against)");
    if (t.contains("certificate") != t.contains("key"))
      throw inputError(file.string(), where + "'s tls needs both \"certificate\" and \"key\", or neither");
    node.tls = true;
    node.tlsTrusted = pathBeside(t["trusted"], where + "'s tls trusted", file);
    if (t.contains("certificate")) {
      node.tlsCertificate = pathBeside(t["certificate"], where + "'s tls certificate", file);
      node.tlsKey = pathBeside(t["key"], where + "'s tls key", file);
    }
  }
  return node;
}

}  // namespace

std::string PacsNode::address() const { return aeTitle + "@" + host + ":" + std::to_string(port); }

PacsSettings PacsSettings::load(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw inputError(file.string(), "cannot be read (PACS settings: docs/pacs.md says what they hold)");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    throw inputError(file.string(), std::string("is not valid JSON: ") + e.what());
  }
  onlyKeys(j, {"ae_title", "store_port", "default", "nodes"}, "the settings", file);
  PacsSettings s;
  s.file = file;
  if (j.contains("ae_title")) s.aeTitle = readAeTitle(j["ae_title"], "ae_title", file);
  if (j.contains("store_port")) s.storePort = port(j["store_port"], "store_port", file);
  if (!j.contains("nodes") || !j["nodes"].is_object() || j["nodes"].empty())
    throw inputError(file.string(), "names no nodes (\"nodes\": {\"name\": {\"ae_title\", \"host\", \"port\"}})");
  for (const auto& [name, node] : j["nodes"].items()) s.nodes[name] = readNode(name, node, file);
  if (j.contains("default")) {
    s.defaultNode = text(j["default"], "default", file);
    if (!s.nodes.count(s.defaultNode)) throw inputError(file.string(), "the default node \"" + s.defaultNode + "\" is not among the nodes");
  }
  return s;
}

const PacsNode& PacsSettings::node(const std::string& name) const {
  std::string known;
  for (const auto& [n, _] : nodes) known += (known.empty() ? "" : ", ") + n;
  const std::string wanted = name.empty() ? defaultNode : name;
  if (wanted.empty()) {
    if (nodes.size() == 1) return nodes.begin()->second;
    throw Error(ErrorKind::Usage, file.string() + " has several nodes (" + known + ") and no default: name one with --node");
  }
  const auto it = nodes.find(wanted);
  if (it == nodes.end()) throw Error(ErrorKind::Usage, "no PACS node \"" + wanted + "\" in " + file.string() + " (known: " + known + ")");
  return it->second;
}

fs::path pacsSettingsFile(const std::string& override) {
  if (!override.empty()) return override;
  if (const char* env = std::getenv("KRAIT_PACS_CONFIG"); env && *env) return env;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) return fs::path(xdg) / "krait" / "pacs.json";
  const char* home = std::getenv("HOME");
  return fs::path(home && *home ? home : ".") / ".config" / "krait" / "pacs.json";
}

QueryLevel queryLevelNamed(const std::string& name) {
  if (name == "patient") return QueryLevel::Patient;
  if (name == "study") return QueryLevel::Study;
  if (name == "series") return QueryLevel::Series;
  if (name == "image") return QueryLevel::Image;
  throw Error(ErrorKind::Usage, "query level \"" + name + "\" is not one of patient, study, series, image");
}

}  // namespace krait::io
