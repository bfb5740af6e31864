#include "krait/pipeline/preprocess.h"

#include "krait/base/error.h"
#include "krait/pipeline/normalization.h"
#include "krait/pipeline/resample.h"

namespace krait {

Preprocessed preprocess(const torch::Tensor& image, const std::vector<double>& spacing, const InferencePlan& plan,
                        const torch::Device& device) {
  if (image.dim() != 4 || spacing.size() != 3)
    throw Error(ErrorKind::Internal, "preprocess needs (C, Z, Y, X) data and a (z, y, x) spacing");
  const auto& t = plan.transposeForward;
  Preprocessed out;
  PreprocessRecord& r = out.record;
  r.originalSpacing = spacing;
  r.spacing = {spacing[t[0]], spacing[t[1]], spacing[t[2]]};
  NonzeroCrop crop = cropToNonzero(image.to(torch::kFloat).permute({0, t[0] + 1, t[1] + 1, t[2] + 1}).contiguous());
  r.shapeBeforeCropping = crop.shapeBeforeCropping;
  r.box = crop.box;
  for (int d = 0; d < 3; ++d) r.shapeAfterCropping[d] = crop.data.size(d + 1);

  r.targetSpacing = plan.targetSpacing;
  if (r.targetSpacing.size() == 2) r.targetSpacing.insert(r.targetSpacing.begin(), r.spacing[0]);
  const std::vector<int64_t> cropped(r.shapeAfterCropping.begin(), r.shapeAfterCropping.end());
  const std::vector<int64_t> newShape = computeNewShape(cropped, r.spacing, r.targetSpacing);
  // Cropping stays on the CPU (its hole filling is a sequential flood fill). Normalisation works in place, and
  // a float32 image that needs no transpose and no crop is still the caller's tensor here: a copy, never it.
  torch::Tensor data = crop.data.to(device, torch::kFloat, false, crop.data.is_alias_of(image));
  const torch::Tensor mask = crop.mask.to(device);
  // nnU-Net normalises before resampling so that the non-zero mask still fits the image exactly.
  normalizeChannels(data, mask, plan.channels);
  out.data = resampleToShape(data, newShape, r.spacing, r.targetSpacing, plan.dataResampling);
  return out;
}

}  // namespace krait
