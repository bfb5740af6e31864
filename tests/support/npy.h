#pragma once
// Reads the little-endian, C-order float32 / float64 .npy files that the fixture scripts write with numpy.
#include <torch/types.h>

#include <filesystem>

namespace krait::test {

torch::Tensor readNpy(const std::filesystem::path& path);

}  // namespace krait::test
