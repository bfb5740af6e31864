#pragma once
// The little-endian, C-order .npy files (float32/64, int32/64, uint8, bool) that the fixture scripts write with
// numpy; and writing them (int16 and float32 too), as numpy.save does, for the test plugins' reader.
#include <torch/types.h>

#include <filesystem>

namespace krait::test {

torch::Tensor readNpy(const std::filesystem::path& path);
void writeNpy(const torch::Tensor& tensor, const std::filesystem::path& path);

}  // namespace krait::test
