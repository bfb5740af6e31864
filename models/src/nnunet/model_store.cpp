#include "krait/models/nnunet/model_store.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "krait/models/nnunet/json_fields.h"
#include "krait/base/installed_data.h"
#include "krait/base/label_palette.h"
#include "krait/base/sha256.h"
#include "krait/models/nnunet/model_folder.h"
#include "model_manifest.h"

namespace krait::models {
namespace {

std::string checksumOf(const std::map<std::string, std::string>& files) {
  Sha256 sha;
  for (const auto& [path, hash] : files) {
    const std::string line = path + " " + hash + "\n";
    sha.update(line.data(), line.size());
  }
  return sha.hex();
}

std::map<std::string, std::string> fileHashes(const SegmentationModel& model) {
  std::map<std::string, std::string> files;
  files["plans.json"] = sha256File(model.folder / "plans.json");
  files["dataset.json"] = sha256File(model.folder / "dataset.json");
  for (const auto& f : model.folds)
    files[fs::relative(f.checkpoint, model.folder).generic_string()] = sha256File(f.checkpoint);
  return files;
}

bool validName(const std::string& name) {
  if (name.empty() || name[0] == '.') return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'; });
}

// The labels a mask of this dataset holds, named as in dataset.json, with the default colours.
std::vector<LabelEntry> datasetLabelEntries(const DatasetDescription& dataset) {
  std::vector<LabelEntry> entries;
  for (const MaskLabel& l : maskLabels(dataset)) entries.push_back({l.value, l.name, defaultLabelColour(l.value)});
  return entries;
}

// The folder as an absolute path without a trailing separator, so that its filename() is its name.
fs::path absoluteFolder(const fs::path& folder) {
  const fs::path abs = fs::absolute(folder).lexically_normal();
  return abs.has_filename() ? abs : abs.parent_path();
}

}  // namespace

fs::path modelStoreDir(const std::string& override) {
  if (!override.empty()) return override;
  if (const char* e = std::getenv("KRAIT_MODELS"); e && *e) return e;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return fs::path(x) / "krait" / "models";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".local" / "share" / "krait" / "models";
  throw Error(ErrorKind::Usage, "no model store: set KRAIT_MODELS or HOME, or pass --models-dir");
}

ModelManifest describeModel(const SegmentationModel& model) {
  ModelManifest m;
  m.network = model.folds.front().network->info().name;
  m.trainer = model.trainer;
  m.configuration = model.configuration;
  m.checkpointName = model.checkpointName;
  for (const auto& f : model.folds) m.folds.push_back(f.name);
  m.channels = model.dataset.channelNames;
  m.labels = datasetLabelEntries(model.dataset);
  m.patchSize = model.plan.patchSize;
  m.targetSpacing = model.plan.targetSpacing;
  m.files = fileHashes(model);
  m.checksum = checksumOf(m.files);
  m.source = absoluteFolder(model.folder).string();
  m.name = absoluteFolder(model.folder).filename().string();
  return m;
}

ModelManifest describeModelFolder(const fs::path& folder, const std::vector<std::string>& folds,
                                  const std::string& checkpointName) {
  return describeModel(loadSegmentationModel(folder, folds, checkpointName));
}

ModelManifest importModel(const fs::path& folder, const fs::path& store, const std::vector<std::string>& folds,
                          const std::string& name, const std::string& checkpointName) {
  ModelManifest m = describeModelFolder(folder, folds, checkpointName);
  if (!name.empty()) {
    m.name = name;
  } else {
    const fs::path parent = absoluteFolder(folder).parent_path();
    m.name = parent.filename().string() + "__" + m.trainer + "__" + m.configuration;
  }
  if (!validName(m.name))
    throw Error(ErrorKind::Usage, "model name '" + m.name + "' may only hold letters, digits, '-', '_' and '.'");
  const fs::path target = store / m.name;
  if (fs::exists(target))
    throw outputError(target.string(), "a model of this name is already stored (krait models remove " + m.name + " first)");
  const fs::path staging = store / (".import-" + m.name + "-" + std::to_string(getpid()));
  try {
    fs::create_directories(staging);
    for (const auto& [rel, hash] : m.files) {
      fs::create_directories((staging / rel).parent_path());
      fs::copy_file(folder / rel, staging / rel, fs::copy_options::overwrite_existing);
      if (sha256File(staging / rel) != hash) throw outputError((staging / rel).string(), "the copy differs from the source");
    }
    writeManifest(m, staging / "manifest.json");
    fs::rename(staging, target);
  } catch (const fs::filesystem_error& e) {
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    throw outputError(store.string(), std::string("cannot store the model: ") + e.what());
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    throw;
  }
  return m;
}

std::vector<ModelManifest> listModels(const fs::path& store) {
  std::vector<ModelManifest> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(store, ec))
    if (entry.is_directory() && entry.path().filename().string()[0] != '.' && fs::exists(entry.path() / "manifest.json"))
      out.push_back(readManifest(entry.path()));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

std::vector<std::string> verifyModel(const fs::path& modelDir) {
  const ModelManifest m = readManifest(modelDir);
  std::vector<std::string> problems;
  for (const auto& [rel, hash] : m.files) {
    const fs::path p = modelDir / rel;
    if (!fs::exists(p)) problems.push_back(rel + ": missing");
    else if (sha256File(p) != hash) problems.push_back(rel + ": sha256 differs from the manifest");
  }
  if (checksumOf(m.files) != m.checksum) problems.push_back("manifest.json: checksum does not match its file list");
  return problems;
}

void removeModel(const fs::path& store, const std::string& name) {
  const fs::path dir = store / name;
  if (!validName(name) || !fs::exists(dir / "manifest.json"))
    throw inputError(dir.string(), "no stored model named '" + name + "'");
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (ec) throw outputError(dir.string(), "cannot remove: " + ec.message());
}

fs::path bundledModelsDir() {
  return installedOrSourcePath(reinterpret_cast<const void*>(&bundledModelsDir), KRAIT_MODELS_FROM_LIB,
                               KRAIT_SOURCE_MODELS);
}

std::vector<ModelManifest> availableModels(const fs::path& store) {
  std::vector<ModelManifest> all = listModels(store);
  const fs::path bundled = bundledModelsDir();
  std::error_code ec;
  if (bundled.empty() || fs::equivalent(bundled, store, ec)) return all;
  for (ModelManifest& m : listModels(bundled)) {
    if (std::any_of(all.begin(), all.end(), [&](const ModelManifest& s) { return s.name == m.name; })) continue;
    m.bundled = true;
    all.push_back(std::move(m));
  }
  return all;
}

fs::path resolveModel(const std::string& nameOrPath, const fs::path& store) {
  if (fs::is_directory(nameOrPath)) return nameOrPath;
  if (validName(nameOrPath))
    for (const ModelManifest& m : availableModels(store))
      if (m.name == nameOrPath) return m.folder;
  std::string known;
  for (const auto& m : availableModels(store)) known += (known.empty() ? "" : ", ") + m.name;
  throw inputError(nameOrPath, "neither a model folder nor a model in " + store.string() +
                                   (known.empty() ? " (the store is empty: krait models import FOLDER)" : " (known: " + known + ")"));
}

}  // namespace krait::models
