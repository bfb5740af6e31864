#pragma once
// The bridge between Krait volumes and LibTorch tensors: a volume becomes a (C, Z, Y, X) tensor, the layout
// nnU-Net gives its networks, and back.
#include <torch/types.h>

#include "krait/base/volume.h"

namespace krait {

torch::ScalarType scalarTypeOf(PixelType t);
PixelType pixelTypeOf(torch::ScalarType t);

// Copies the voxels into a new CPU tensor of shape (C, Z, Y, X) and the volume's own type.
torch::Tensor toTensor(const Volume& volume);
// Builds a volume from a (C, Z, Y, X) or (Z, Y, X) tensor on any device; geometry.size must match (X, Y, Z).
Volume fromTensor(const torch::Tensor& tensor, const Geometry& geometry);

}  // namespace krait
