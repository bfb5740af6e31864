#pragma once
// Reads the little-endian, C-order .npy files (float32/64, int32/64, uint8, bool) that the fixture scripts write with numpy.
#include <torch/types.h>

#include <filesystem>

namespace krait::test {

torch::Tensor readNpy(const std::filesystem::path& path);

}  // namespace krait::test
