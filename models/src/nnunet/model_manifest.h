#pragma once
// manifest.json of a stored model, to and from JSON (model_store.cpp imports and lists models with these).
#include <nlohmann/json.hpp>

#include <filesystem>

#include "krait/models/nnunet/model_store.h"

namespace krait::models {

nlohmann::json toJson(const ModelManifest& m);
// Throws Error(Input) naming `path` and the field that is missing or of the wrong type.
ModelManifest fromJson(const nlohmann::json& j, const std::filesystem::path& path);
void writeManifest(const ModelManifest& m, const std::filesystem::path& path);

}  // namespace krait::models
