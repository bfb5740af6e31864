#pragma once
// One case's input for segmentation: nnU-Net channel files (<case>_0000.nii.gz, _0001, ...), a single
// volume, or a DICOM folder, read with krait::io and checked to share one grid.
#include <filesystem>
#include <string>
#include <vector>

#include <torch/types.h>

#include "krait/core/geometry.h"
#include "krait/io/volume_io.h"

namespace krait::cli {

struct CaseInput {
  std::vector<std::filesystem::path> files;  // one per channel, or one multi-channel file
  Geometry geometry;                         // the grid the mask is written on
  torch::Tensor image;                       // (C, Z, Y, X) float32
  std::vector<double> spacing;               // (z, y, x) mm
};

// Given paths (in channel order) for a model with `channels` inputs. A single `<case>_0000.<ext>` path stands
// for all of the case's channel files. Throws Error(Input) for a missing channel file, Error(Usage) for a
// count that cannot match.
std::vector<std::filesystem::path> channelFiles(const std::vector<std::string>& inputs, int64_t channels);

// Throws Error(Input) naming the file when channels differ in grid or the channel count is wrong.
CaseInput readCase(const std::vector<std::filesystem::path>& files, int64_t channels, const io::ReadOptions& options);

}  // namespace krait::cli
