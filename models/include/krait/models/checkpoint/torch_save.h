#pragma once
// torch.save archives (zip + pickle) read without Python.
#include <filesystem>
#include <map>
#include <string>

#include "krait/models/checkpoint/pickle.h"

namespace krait::models {

using StateDict = std::map<std::string, torch::Tensor>;

// The whole pickled object of a torch.save zip archive, tensors on the CPU (CUDA locations are mapped to
// the CPU). Throws Error(Input) naming the file for anything that is not a readable torch.save archive.
PyRef readTorchSave(const std::filesystem::path& path);

}  // namespace krait::models
