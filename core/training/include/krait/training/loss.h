#pragma once
// nnU-Net's training loss for label datasets (nnUNetTrainer._build_loss): cross-entropy plus the memory-
// efficient soft Dice (MemoryEfficientSoftDiceLoss: softmax, no background, smooth 1e-5, per sample or over
// the batch), summed with weight 1 each; with deep supervision, every output's loss weighted 1/2^i, the lowest
// output's weight 0, normalised to sum 1 (DeepSupervisionWrapper). An ignore label is left out of both terms.
#include <torch/types.h>

#include <vector>

namespace krait::training {

struct LossOptions {
  bool batchDice = false;   // the plans' batch_dice: Dice sums over the whole batch instead of per sample
  int64_t ignoreLabel = -1;  // dataset.json's "ignore" label; -1: none
};

// logits: (batch, classes, *spatial); target: (batch, 1, *spatial) or (batch, *spatial) label values (any
// type). Differentiable in logits.
torch::Tensor diceCeLoss(const torch::Tensor& logits, const torch::Tensor& target, const LossOptions& options);

// 1/2^i for i < outputs, the last 0 when there are several, normalised to sum 1.
std::vector<double> deepSupervisionWeights(size_t outputs);

// sum_i weights[i] * diceCeLoss(logits[i], targets[i]) over the outputs with a weight; one output per target.
torch::Tensor deepSupervisionLoss(const std::vector<torch::Tensor>& logits, const std::vector<torch::Tensor>& targets,
                                  const LossOptions& options);

}  // namespace krait::training
