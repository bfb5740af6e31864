#pragma once
// One case's input files for segmentation: nnU-Net channel files (<case>_0000.nii.gz, _0001, ...), a single
// volume, or a DICOM folder, read with krait::io (the engine checks that they make the model's channels on
// one grid).
#include <filesystem>
#include <string>
#include <vector>

#include "krait/base/volume.h"
#include "krait/io/volume_io.h"

namespace krait::cli {

struct CaseInput {
  std::vector<std::filesystem::path> files;  // one per channel, or one multi-channel file
  std::vector<Volume> volumes;               // as read, one per file
};

// Given paths (in channel order) for a model with `channels` inputs. A single `<case>_0000.<ext>` path stands
// for all of the case's channel files. Throws Error(Input) for a missing channel file, Error(Usage) for no input.
std::vector<std::filesystem::path> channelFiles(const std::vector<std::string>& inputs, int64_t channels);

// Throws Error(Input) naming the file that cannot be read.
CaseInput readCase(const std::vector<std::filesystem::path>& files, const io::ReadOptions& options);

}  // namespace krait::cli
