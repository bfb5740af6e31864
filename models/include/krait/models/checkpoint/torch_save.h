#pragma once
// Checkpoints without Python: nnU-Net's checkpoint_*.pth (torch.save zip + pickle) and .safetensors.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "krait/models/checkpoint/pickle.h"

namespace krait::models {

using StateDict = std::map<std::string, torch::Tensor>;

// The whole pickled object of a torch.save zip archive, tensors on the CPU (CUDA locations are mapped to
// the CPU). Throws Error(Input) naming the file for anything that is not a readable torch.save archive.
PyRef readTorchSave(const std::filesystem::path& path);

// What Krait needs from an nnU-Net checkpoint.
struct NnunetCheckpoint {
  StateDict weights;            // 'network_weights'
  std::string trainerName;      // 'trainer_name'
  std::string configuration;    // init_args['configuration']
  std::vector<int> mirroringAxes;  // 'inference_allowed_mirroring_axes' (empty when absent)
  PyRef root;                   // everything else, for callers that need it
};

NnunetCheckpoint readNnunetCheckpoint(const std::filesystem::path& path);

// Every tensor of a .safetensors file (F64/F32/F16/BF16, I64/I32/I16/I8, U8, BOOL).
StateDict readSafetensors(const std::filesystem::path& path);

}  // namespace krait::models
