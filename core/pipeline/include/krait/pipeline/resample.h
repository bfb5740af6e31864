#pragma once
// nnU-Net v2's resampling (nnunetv2/preprocessing/resampling/default_resampling.py), reproduced with the
// arithmetic of the libraries it calls: skimage.transform.resize(order, mode='edge', anti_aliasing=False),
// which is scipy.ndimage.zoom(grid_mode=True, mode='nearest') with 12 edge voxels of pre-padding, a B-spline
// prefilter in float64 and a clip to the input range; and the "separate z" rule, which resizes every slice in
// plane and the low-resolution axis with scipy.ndimage.map_coordinates(order_z, mode='nearest').
#include <optional>
#include <vector>

#include <torch/types.h>

namespace krait {

struct ResamplingOptions {
  int order = 3;   // in plane, or everywhere without separate z (0..3)
  int orderZ = 0;  // along the low-resolution axis with separate z (0..3)
  std::optional<bool> forceSeparateZ;  // plans' force_separate_z; empty = decide from the spacings
  double anisotropyThreshold = 3.0;    // nnunetv2.configuration.ANISO_THRESHOLD
};

// round(spacing / newSpacing * shape) per axis, as compute_new_shape.
std::vector<int64_t> computeNewShape(const std::vector<int64_t>& shape, const std::vector<double>& spacing,
                                     const std::vector<double>& newSpacing);

// skimage.transform.resize of one float64 array of 1 to 3 dimensions (clip included).
torch::Tensor resizeArray(const torch::Tensor& image, c10::IntArrayRef newShape, int order);

// resample_data_or_seg_to_shape(is_seg=False) of (C, Z, Y, X) data: returns a new tensor of data's dtype on
// data's device, or data itself when the shape does not change. On the CPU it runs loops over lines; elsewhere
// (a GPU) LibTorch tensor ops that repeat the loops' float64 operations in their order, so the same values.
torch::Tensor resampleToShape(const torch::Tensor& data, c10::IntArrayRef newShape,
                              const std::vector<double>& currentSpacing, const std::vector<double>& newSpacing,
                              const ResamplingOptions& options);

// resampleToShape with the tensor ops of a GPU whatever the device: tests compare them with the CPU's loops on
// machines without a GPU. On the CPU the loops are faster.
torch::Tensor resampleToShapeWithTensorOps(const torch::Tensor& data, c10::IntArrayRef newShape,
                                           const std::vector<double>& currentSpacing,
                                           const std::vector<double>& newSpacing, const ResamplingOptions& options);

}  // namespace krait
