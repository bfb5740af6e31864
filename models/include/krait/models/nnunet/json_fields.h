#pragma once
// JSON helpers shared by the readers of plans.json, dataset.json and the model manifest, and by training (which
// reads them in the engine): every failure names the file and the field.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "krait/base/error.h"

namespace krait::models {

namespace fs = std::filesystem;
using nlohmann::json;

// Json = nlohmann::ordered_json keeps the order of object keys (dataset.json's labels are ordered: regions
// follow it).
template <typename Json = json>
Json readJson(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw inputError(path.string(), "cannot open");
  try {
    return Json::parse(in);
  } catch (const nlohmann::detail::exception& e) {
    throw inputError(path.string(), std::string("not valid JSON: ") + e.what());
  }
}

template <typename T>
T field(const json& object, const char* key, const fs::path& path, const std::string& where) {
  if (!object.contains(key)) throw inputError(path.string(), where + " has no '" + key + "'");
  try {
    return object.at(key).get<T>();
  } catch (const json::exception&) {
    throw inputError(path.string(), where + ": '" + key + "' has an unexpected type");
  }
}

// A configuration with `inherits_from` is its parent's fields overridden by its own.
json resolveConfiguration(const json& configurations, const std::string& name, const fs::path& path, int depth = 0);

}  // namespace krait::models
