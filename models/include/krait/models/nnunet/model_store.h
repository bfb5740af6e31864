#pragma once
// Krait's model store: imported nnU-Net models, each an nnU-Net model folder (plans.json, dataset.json,
// fold_<f>/<checkpoint>) plus manifest.json describing it (network, configuration, channels, labels with
// names and colours, patch size, target spacing, the sha256 of every file and one checksum over them all).
#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace krait::models {

struct SegmentationModel;

struct LabelEntry {
  int value = 0;
  std::string name;
  std::array<int, 3> colour{};  // RGB 0..255
};

struct ModelManifest {
  std::string name;
  std::string network, trainer, configuration, checkpointName;
  std::vector<std::string> folds;
  std::vector<std::string> channels;  // dataset.json channel names ("CT", "T2", ...), in channel order
  std::vector<LabelEntry> labels;     // foreground labels (or regions) as written into masks
  std::vector<int64_t> patchSize;
  std::vector<double> targetSpacing;
  std::map<std::string, std::string> files;  // path relative to the model folder -> sha256
  std::string checksum;                      // sha256 over the sorted "path sha256" lines: the model's identity
  std::string source;                        // the folder it was imported from
  std::filesystem::path folder;              // where it lies (not stored in manifest.json)
  bool bundled = false;                      // installed with Krait, not imported (not stored either)
};

// How a model names itself as an algorithm version (a DICOM SEG's Algorithm Version, at most 64 characters):
// the first 16 hex digits of its checksum, enough to tell models apart and to find the full one.
inline std::string modelVersion(const ModelManifest& model) { return model.checksum.substr(0, 16); }

// --models-dir, else $KRAIT_MODELS, else $XDG_DATA_HOME/krait/models, else ~/.local/share/krait/models.
std::filesystem::path modelStoreDir(const std::string& override = "");

// The manifest of a loaded model: names and colours from dataset.json, the hashes of its plans, dataset and
// the loaded folds' checkpoints. Named after its folder.
ModelManifest describeModel(const SegmentationModel& model);

// Describes an nnU-Net model folder in place (loads every fold to prove it works; hashes every file).
ModelManifest describeModelFolder(const std::filesystem::path& folder, const std::vector<std::string>& folds = {},
                                  const std::string& checkpointName = "checkpoint_final.pth");

// Copies plans.json, dataset.json and the chosen folds' checkpoints into store/<name> with a manifest; the
// folder appears only when complete. name empty: the dataset and trainer folder names. Throws Error(Input)
// for a broken model, Error(Output) when the name is taken or the store cannot be written.
ModelManifest importModel(const std::filesystem::path& folder, const std::filesystem::path& store,
                          const std::vector<std::string>& folds = {}, const std::string& name = "",
                          const std::string& checkpointName = "checkpoint_final.pth");

ModelManifest readManifest(const std::filesystem::path& modelDir);
std::vector<ModelManifest> listModels(const std::filesystem::path& store);

// The folder of the models installed with Krait: <prefix>/share/krait/models beside the installed libkrait,
// else (a build tree) the source tree's resources/models; empty when neither exists.
std::filesystem::path bundledModelsDir();
// Every model a name may name: the store's, then the bundled ones whose names the store does not hide.
std::vector<ModelManifest> availableModels(const std::filesystem::path& store);

// Problems found when re-hashing the files against the manifest (empty: intact).
std::vector<std::string> verifyModel(const std::filesystem::path& modelDir);

void removeModel(const std::filesystem::path& store, const std::string& name);

// A model given on the command line: a folder path (an nnU-Net model folder or a stored model) or the name
// of a stored or bundled model. Throws Error(Input) listing the known names when nothing matches.
std::filesystem::path resolveModel(const std::string& nameOrPath, const std::filesystem::path& store);

}  // namespace krait::models
