#pragma once
// What Krait needs from an nnU-Net checkpoint (checkpoint_final.pth, checkpoint_best.pth: the dict
// nnUNetTrainer.save_checkpoint writes with torch.save).
#include <filesystem>
#include <string>
#include <vector>

#include "krait/models/checkpoint/torch_save.h"

namespace krait::models {

struct NnunetCheckpoint {
  StateDict weights;               // 'network_weights'
  std::string trainerName;         // 'trainer_name'
  std::string configuration;       // init_args['configuration']
  std::vector<int> mirroringAxes;  // 'inference_allowed_mirroring_axes' (empty when absent: no mirroring)
  PyRef root;                      // everything else, for callers that need it
};

// Throws Error(Input) naming the file when it is not a readable nnU-Net checkpoint.
NnunetCheckpoint readNnunetCheckpoint(const std::filesystem::path& path);

}  // namespace krait::models
