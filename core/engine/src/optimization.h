#pragma once
// The optimisation side of training: the recipe's optimiser over a network's parameters, the learning rate of
// each epoch, the optimiser's state in torch.optim's state_dict layout (what nnU-Net checkpoints hold) and a
// dynamic loss scaler as torch.cuda.amp.GradScaler's.
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "krait/models/checkpoint/pickle.h"
#include "krait/models/nnunet/training_recipe.h"

namespace krait::engine {

struct NamedParameters {
  std::vector<std::string> names;
  std::vector<torch::Tensor> tensors;
};
NamedParameters namedParameters(const torch::nn::Module& module);

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const NamedParameters& params, const models::TrainingRecipe& r);

// The recipe's learning rate of `epoch` (models::learningRate) set on every group; returns it.
double setLearningRate(torch::optim::Optimizer& optimizer, const models::TrainingRecipe& r, int epoch, int epochs);

// optimizer.state_dict() as PyTorch writes it (param_groups carry 'param_names'), and back. Reading throws
// Error(Input) naming `source` when the state belongs to other parameters or another optimiser.
c10::IValue optimizerStateDict(torch::optim::Optimizer& optimizer, const NamedParameters& params,
                               const models::TrainingRecipe& r);
void loadOptimizerState(torch::optim::Optimizer& optimizer, const NamedParameters& params,
                        const models::TrainingRecipe& r, const models::PyRef& state, const std::string& source);

// torch.cuda.amp.GradScaler's dynamic scale: 2^16, halved on a step with inf/NaN gradients (which is
// skipped), doubled after 2000 clean steps.
class LossScaler {
 public:
  explicit LossScaler(bool enabled) : enabled_(enabled) {}
  torch::Tensor scale(const torch::Tensor& loss) const { return enabled_ ? loss * scale_ : loss; }
  // Unscales the gradients; false when they hold inf/NaN (the caller skips the step).
  bool unscale(const std::vector<torch::Tensor>& params);
  void update(bool stepped);
  bool enabled() const { return enabled_; }
  c10::IValue stateDict() const;  // GradScaler.state_dict(), or None when disabled
  void load(const models::PyRef& state);

 private:
  bool enabled_;
  double scale_ = 65536.0;
  int64_t growthTracker_ = 0;
};

}  // namespace krait::engine
