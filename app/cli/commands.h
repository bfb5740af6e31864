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

inline const std::vector<Command>& commands() {
  static const std::vector<Command> all{
      {"info", "describe images and DICOM series: size, spacing, origin, orientation, values", runInfo},
      {"segment", "segment an image with an nnU-Net model (U-Mamba, LightM-UNet, Swin-UMamba)", runSegment},
  };
  return all;
}

}  // namespace krait::cli
