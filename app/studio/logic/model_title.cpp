#include "model_title.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>

namespace fs = std::filesystem;

namespace krait::studio {

namespace {

// plans.json's "dataset_name" (nnU-Net writes it into every plans file), else dataset.json's optional "name";
// "" when neither says (a missing or unreadable file only loses the title's detail).
std::string datasetName(const fs::path& dir) {
  for (const auto& [file, key] : {std::pair{"plans.json", "dataset_name"}, std::pair{"dataset.json", "name"}}) {
    std::ifstream in(dir / file);
    const nlohmann::json json = nlohmann::json::parse(in, nullptr, false);
    if (json.is_object() && json.contains(key) && json[key].is_string()) return json[key].get<std::string>();
  }
  return "";
}

}  // namespace

std::string modelFolderTitle(const fs::path& folder) {
  const fs::path abs = fs::absolute(folder).lexically_normal();
  const fs::path dir = abs.has_filename() ? abs : abs.parent_path();
  const std::string name = dir.filename().string();
  std::smatch m;
  if (std::regex_match(name, m, std::regex("(.+)__(.+)__(.+)")))
    return dir.parent_path().filename().string() + " · " + m[1].str() + " · " + m[3].str();
  const std::string dataset = datasetName(dir);
  return dataset.empty() ? name : dataset + " · " + name;
}

}  // namespace krait::studio
