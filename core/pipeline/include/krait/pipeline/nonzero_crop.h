#pragma once
// nnU-Net's crop to the non-zero region (nnunetv2/preprocessing/cropping/cropping.py): the mask of voxels
// where any channel is non-zero, holes filled as scipy.ndimage.binary_fill_holes fills them, and its
// half-open bounding box (acvl_utils get_bbox_from_mask).
#include <array>
#include <cstdint>

#include <torch/types.h>

namespace krait {

struct BoundingBox {
  std::array<int64_t, 3> begin{}, end{};  // half-open, (Z, Y, X)
};

struct NonzeroCrop {
  torch::Tensor data;  // (C, Z, Y, X) inside the box
  torch::Tensor mask;  // (Z, Y, X) bool inside the box: true where the filled non-zero mask is
  BoundingBox box;
  std::array<int64_t, 3> shapeBeforeCropping{};
};

// Background voxels that cannot reach the array's border through face-connected background become
// foreground. `mask` is a bool tensor of any number of dimensions.
torch::Tensor fillHoles(const torch::Tensor& mask);

// An all-zero image keeps its full extent, as get_bbox_from_mask does.
NonzeroCrop cropToNonzero(const torch::Tensor& data);

}  // namespace krait
