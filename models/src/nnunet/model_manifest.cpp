#include "model_manifest.h"

#include <fstream>

#include "krait/models/nnunet/json_fields.h"

namespace krait::models {

nlohmann::json toJson(const ModelManifest& m) {
  json labels = json::array();
  for (const auto& l : m.labels) labels.push_back({{"value", l.value}, {"name", l.name}, {"colour", l.colour}});
  return {{"format", "krait-model-1"}, {"name", m.name},           {"network", m.network},
          {"trainer", m.trainer},      {"configuration", m.configuration}, {"checkpoint", m.checkpointName},
          {"folds", m.folds},          {"channels", m.channels},   {"labels", labels},
          {"patch_size", m.patchSize}, {"target_spacing", m.targetSpacing}, {"files", m.files},
          {"checksum", m.checksum},    {"source", m.source}};
}

ModelManifest fromJson(const nlohmann::json& j, const fs::path& path) {
  ModelManifest m;
  const std::string where = "manifest";
  m.name = field<std::string>(j, "name", path, where);
  m.network = field<std::string>(j, "network", path, where);
  m.trainer = field<std::string>(j, "trainer", path, where);
  m.configuration = field<std::string>(j, "configuration", path, where);
  m.checkpointName = field<std::string>(j, "checkpoint", path, where);
  m.folds = field<std::vector<std::string>>(j, "folds", path, where);
  m.channels = field<std::vector<std::string>>(j, "channels", path, where);
  for (const json& l : field<json>(j, "labels", path, where))
    m.labels.push_back({field<int>(l, "value", path, "label"), field<std::string>(l, "name", path, "label"),
                        field<std::array<int, 3>>(l, "colour", path, "label")});
  m.patchSize = field<std::vector<int64_t>>(j, "patch_size", path, where);
  m.targetSpacing = field<std::vector<double>>(j, "target_spacing", path, where);
  m.files = field<std::map<std::string, std::string>>(j, "files", path, where);
  m.checksum = field<std::string>(j, "checksum", path, where);
  m.source = j.contains("source") ? field<std::string>(j, "source", path, where) : "";
  return m;
}

void writeManifest(const ModelManifest& m, const fs::path& path) {
  std::ofstream out(path);
  out << toJson(m).dump(2) << "\n";
  if (!out) throw outputError(path.string(), "cannot write the model manifest");
}

ModelManifest readManifest(const fs::path& modelDir) {
  const fs::path path = modelDir / "manifest.json";
  if (!fs::exists(path)) throw inputError(modelDir.string(), "not a stored Krait model (no manifest.json)");
  ModelManifest m = fromJson(readJson(path), path);
  m.folder = modelDir;
  return m;
}

}  // namespace krait::models
