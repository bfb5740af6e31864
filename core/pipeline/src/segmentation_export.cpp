#include "krait/pipeline/segmentation_export.h"

#include <algorithm>

#include "krait/pipeline/resample.h"

namespace krait {
namespace {

using torch::indexing::Slice;

std::vector<torch::indexing::TensorIndex> boxIndex(const BoundingBox& b, bool channels) {
  std::vector<torch::indexing::TensorIndex> index;
  if (channels) index.emplace_back(Slice());
  for (int d = 0; d < 3; ++d) index.emplace_back(Slice(b.begin[d], b.end[d]));
  return index;
}

int64_t largestLabel(const InferencePlan& plan) {
  if (!plan.regions) return plan.segmentationHeads - 1;
  return plan.regionClassOrder.empty() ? 0 : *std::max_element(plan.regionClassOrder.begin(), plan.regionClassOrder.end());
}

}  // namespace

ExportedSegmentation exportSegmentation(const torch::Tensor& logits, const InferencePlan& plan,
                                        const PreprocessRecord& record, bool withProbabilities) {
  const std::vector<int64_t> cropped(record.shapeAfterCropping.begin(), record.shapeAfterCropping.end());
  // nnU-Net 2.1.1 passes the spacing as read, not transposed, to this resampling (and takes a 2D
  // configuration's slice spacing from it too). The spacings only decide the separate-z rule here; Krait
  // follows the official code so that the masks agree.
  std::vector<double> current = plan.targetSpacing;
  if (current.size() == 2) current.insert(current.begin(), record.originalSpacing[0]);
  // The resampling keeps the logits' type (nnU-Net's float16: resample_data_or_seg's astype(dtype_data)); the
  // softmax and sigmoid run in float32 (apply_inference_nonlin's logits.float()). The argmax reads the float16
  // values as they are: converting them to float32 is exact and keeps their order and ties, so it gives the same
  // labels without a float32 copy of every class (4.4 GB for a 512 x 512 x 300 CT's 14 classes).
  const torch::Tensor resampled =
      resampleToShape(logits, cropped, current, record.originalSpacing, plan.probabilityResampling);

  torch::Tensor probabilities, segmentation;
  if (plan.regions) {
    probabilities = torch::sigmoid(resampled.to(torch::kFloat));
    segmentation = torch::zeros(cropped, probabilities.options().dtype(torch::kInt32));
    for (size_t i = 0; i < plan.regionClassOrder.size(); ++i)
      segmentation.masked_fill_(probabilities[static_cast<int64_t>(i)] > 0.5, plan.regionClassOrder[i]);
  } else {
    // Softmax is monotonic: the argmax of the logits is the argmax of the probabilities.
    segmentation = resampled.argmax(0).to(torch::kInt32);
    if (withProbabilities) probabilities = torch::softmax(resampled.to(torch::kFloat), 0);
  }

  const auto labelType = largestLabel(plan) < 256 ? torch::kUInt8 : torch::kInt32;
  const auto& before = record.shapeBeforeCropping;
  torch::Tensor full = torch::zeros({before[0], before[1], before[2]}, labelType);
  full.index_put_(boxIndex(record.box, false), segmentation.to(labelType).cpu());
  const auto& tb = plan.transposeBackward;
  ExportedSegmentation out;
  out.labels = full.permute({tb[0], tb[1], tb[2]}).contiguous();
  if (withProbabilities) {
    torch::Tensor p = torch::zeros({probabilities.size(0), before[0], before[1], before[2]}, torch::kFloat);
    if (!plan.regions) p[0].fill_(1.0f);
    p.index_put_(boxIndex(record.box, true), probabilities.cpu());
    out.probabilities = p.permute({0, tb[0] + 1, tb[1] + 1, tb[2] + 1}).contiguous();
  }
  return out;
}

}  // namespace krait
