#include "krait/training/loss.h"

#include <torch/torch.h>

#include <numeric>
#include <stdexcept>
#include <string>

namespace krait::training {

namespace {

constexpr double kSmooth = 1e-5;

// MemoryEfficientSoftDiceLoss(apply_nonlin=softmax, do_bg=False) of the probabilities against the one-hot
// target, inside `mask` (undefined: everywhere).
torch::Tensor softDice(const torch::Tensor& logits, const torch::Tensor& labels, const torch::Tensor& mask, bool batchDice) {
  const torch::Tensor probabilities = torch::softmax(logits, 1);
  std::vector<int64_t> axes;
  for (int64_t a = 2; a < logits.dim(); ++a) axes.push_back(a);
  torch::Tensor onehot;
  {
    const torch::NoGradGuard noGrad;
    onehot = torch::zeros(logits.sizes(), logits.options().dtype(torch::kBool)).scatter_(1, labels.unsqueeze(1), true);
  }
  onehot = onehot.narrow(1, 1, logits.size(1) - 1);
  torch::Tensor x = probabilities.narrow(1, 1, logits.size(1) - 1);
  torch::Tensor sumGt = mask.defined() ? (onehot * mask).sum(axes) : onehot.sum(axes);
  torch::Tensor intersect = mask.defined() ? (x * onehot * mask).sum(axes) : (x * onehot).sum(axes);
  torch::Tensor sumPred = mask.defined() ? (x * mask).sum(axes) : x.sum(axes);
  if (batchDice) {
    intersect = intersect.sum(0);
    sumPred = sumPred.sum(0);
    sumGt = sumGt.sum(0);
  }
  const torch::Tensor dice = (2 * intersect + kSmooth) / torch::clip(sumGt + sumPred + kSmooth, 1e-8);
  return -dice.mean();
}

}  // namespace

torch::Tensor diceCeLoss(const torch::Tensor& logits, const torch::Tensor& target, const LossOptions& options) {
  if (logits.dim() < 3) throw std::invalid_argument("loss: logits must be (batch, classes, *spatial)");
  torch::Tensor labels = target.dim() == logits.dim() ? target.select(1, 0) : target;
  if (labels.dim() != logits.dim() - 1 || labels.size(0) != logits.size(0) || labels.sizes().slice(1) != logits.sizes().slice(2))
    throw std::invalid_argument("loss: the target's shape does not match the logits'");
  labels = labels.to(torch::kLong);
  if (options.ignoreLabel < 0) {
    return torch::nn::functional::cross_entropy(logits, labels) + softDice(logits, labels, {}, options.batchDice);
  }
  // As DC_and_CE_loss: the Dice sees the ignored voxels as background and masks them out; the cross-entropy
  // ignores them, and is 0 when nothing is left.
  const torch::Tensor keep = labels != options.ignoreLabel;
  const torch::Tensor dice = softDice(logits, torch::where(keep, labels, torch::zeros_like(labels)),
                                      keep.unsqueeze(1), options.batchDice);
  if (keep.sum().item<int64_t>() == 0) return dice;
  return torch::nn::functional::cross_entropy(
             logits, labels, torch::nn::functional::CrossEntropyFuncOptions().ignore_index(options.ignoreLabel)) +
         dice;
}

std::vector<double> deepSupervisionWeights(size_t outputs) {
  std::vector<double> w;
  for (size_t i = 0; i < outputs; ++i) w.push_back(1.0 / static_cast<double>(int64_t{1} << i));
  if (outputs > 1) w.back() = 0.0;
  const double sum = std::accumulate(w.begin(), w.end(), 0.0);
  for (double& v : w) v /= sum;
  return w;
}

torch::Tensor deepSupervisionLoss(const std::vector<torch::Tensor>& logits, const std::vector<torch::Tensor>& targets,
                                  const LossOptions& options) {
  if (logits.empty() || logits.size() != targets.size())
    throw std::invalid_argument("loss: " + std::to_string(logits.size()) + " outputs for " + std::to_string(targets.size()) +
                                " targets");
  const std::vector<double> weights = deepSupervisionWeights(logits.size());
  torch::Tensor total;
  for (size_t i = 0; i < logits.size(); ++i) {
    if (weights[i] == 0.0) continue;
    const torch::Tensor term = weights[i] * diceCeLoss(logits[i], targets[i], options);
    total = total.defined() ? total + term : term;
  }
  return total;
}

}  // namespace krait::training
