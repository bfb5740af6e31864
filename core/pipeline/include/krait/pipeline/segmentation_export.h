#pragma once
// nnU-Net's export (nnunetv2/inference/export_prediction.py): logits resampled back to the cropped grid (in
// their own type: the pipeline passes nnU-Net's float16), softmax (sigmoid for regions) and argmax in float32
// (region order), pasted into the pre-crop shape, transposed back.
#include <torch/types.h>

#include "krait/pipeline/inference_plan.h"
#include "krait/pipeline/preprocess.h"

namespace krait {

struct ExportedSegmentation {
  torch::Tensor labels;         // (Z, Y, X) in stored voxel order: uint8, or int32 past 255 labels
  torch::Tensor probabilities;  // (heads, Z, Y, X) float32, only when asked for
};

// Logits on a GPU are resampled (orders 0 and 1, as plans resample probabilities) and argmaxed there, with the
// CPU's float64 arithmetic; the results come back to the CPU.
ExportedSegmentation exportSegmentation(const torch::Tensor& logits, const InferencePlan& plan,
                                        const PreprocessRecord& record, bool withProbabilities);

}  // namespace krait
