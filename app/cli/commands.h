#pragma once
// Each subcommand of `krait` is one function in its own file; main.cpp only dispatches and maps errors to
// exit codes.
#include <string>
#include <vector>

namespace krait::cli {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);
};

int runInfo(const std::vector<std::string>& args);
int runSegment(const std::vector<std::string>& args);
int runModels(const std::vector<std::string>& args);
int runBatch(const std::vector<std::string>& args);
int runPlugins(const std::vector<std::string>& args);
int runClassify(const std::vector<std::string>& args);
int runTrain(const std::vector<std::string>& args);
int runConvert(const std::vector<std::string>& args);
int runPacs(const std::vector<std::string>& args);

inline const std::vector<Command>& commands() {
  static const std::vector<Command> all{
      {"info", "describe images and DICOM series: size, spacing, origin, orientation, values", runInfo},
      {"segment", "segment an image with an nnU-Net model (U-Mamba, LightM-UNet, Swin-UMamba, plugins' networks)", runSegment},
      {"batch", "segment many cases with one model: manifest or folder, resumable, shardable", runBatch},
      {"train", "train a U-Mamba, LightM-UNet or Swin-UMamba model on an nnU-Net dataset, or fine-tune one", runTrain},
      {"convert", "convert a DICOM SEG to a label map and back, or an image to another format", runConvert},
      {"models", "import, list, describe, verify and remove models in Krait's model store", runModels},
      {"classify", "classify volumes, waveforms or slides with a plugin's classifier", runClassify},
      {"pacs", "talk to a PACS: echo, find, get a series, send files (DICOM DIMSE, TLS optional)", runPacs},
      {"plugins", "list the plugins found, what each provides, and the ones skipped", runPlugins},
  };
  return all;
}

}  // namespace krait::cli
