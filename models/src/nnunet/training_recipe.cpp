#include "krait/models/nnunet/training_recipe.h"

#include <torch/torch.h>

#include <cmath>
#include <map>

#include "krait/base/error.h"

namespace krait::models {

namespace {

bool endsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

int64_t fanIn(const torch::Tensor& w) {  // PyTorch's _calculate_fan_in_and_fan_out: size(1) x receptive field
  int64_t fan = w.size(1);
  for (int64_t d = 2; d < w.dim(); ++d) fan *= w.size(d);
  return fan;
}

void uniformFanIn(torch::Tensor& t, int64_t fan) {  // kaiming_uniform(a=sqrt(5)), and the default bias bound
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan));
  t.uniform_(-bound, bound);
}

// mamba_ssm's dt_proj bias: softplus^-1 of a step drawn log-uniformly in [dt_min, dt_max], floored at 1e-4.
void inverseSoftplusSteps(torch::Tensor& bias) {
  const torch::Tensor dt =
      torch::exp(torch::rand(bias.sizes()) * (std::log(0.1) - std::log(1e-3)) + std::log(1e-3)).clamp_min(1e-4);
  bias.copy_(dt + torch::log(-torch::expm1(-dt)));
}

}  // namespace

TrainingRecipe trainingRecipe(const std::string& trainer) {
  TrainingRecipe r;  // nnUNetTrainer's defaults: U-Mamba's trainers change only the network
  if (trainer == "nnUNetTrainerUMambaBot" || trainer == "nnUNetTrainerUMambaEnc") return r;
  if (trainer == "nnUNetTrainerUMambaEncNoAMP") {
    r.mixedPrecision = false;
    return r;
  }
  if (trainer == "nnUNetTrainerLightMUNet") {  // Adam, no deep supervision, no grad scaler, poly schedule
    r.optimizer = OptimizerKind::Adam;
    r.learningRate = 1e-4;
    r.weightDecay = 1e-5;
    r.epsilon = 1e-5;
    r.deepSupervision = false;
    r.mixedPrecision = false;
    r.init = WeightInit::PyTorchDefaults;
    return r;
  }
  if (trainer.rfind("nnUNetTrainerSwinUMamba", 0) == 0) {  // the four Swin-UMamba trainers
    r.optimizer = OptimizerKind::AdamW;
    r.learningRate = 1e-4;
    r.weightDecay = 0.05;
    r.epsilon = 1e-5;
    r.schedule = LearningRateSchedule::Cosine;
    r.minimumLearningRate = 1e-6;
    r.freezeEncoderEpochs = 10;
    r.frozenPrefix = "vssm_encoder.";
    r.trainablePrefix = "vssm_encoder.patch_embed";
    r.init = WeightInit::VisionMamba;
    return r;
  }
  throw Error(ErrorKind::Input, "Krait cannot train '" + trainer +
                                    "': it trains nnUNetTrainerUMambaBot, nnUNetTrainerUMambaEnc(NoAMP), "
                                    "nnUNetTrainerLightMUNet and nnUNetTrainerSwinUMamba(D)(Scratch)");
}

double learningRate(const TrainingRecipe& r, int epoch, int epochs) {
  const double progress = static_cast<double>(epoch) / epochs;
  if (r.schedule == LearningRateSchedule::Poly) return r.learningRate * std::pow(1.0 - progress, 0.9);
  return r.minimumLearningRate + (r.learningRate - r.minimumLearningRate) * (1.0 + std::cos(M_PI * progress)) / 2.0;
}

void initializeForTraining(Network& network, WeightInit init) {
  torch::NoGradGuard noGrad;
  std::map<std::string, torch::Tensor> params;
  for (const auto& p : network.named_parameters()) params[p.key()] = p.value();
  for (auto& [name, t] : params) {
    const std::string prefix = name.substr(0, name.rfind('.') + 1);
    const std::string leaf = name.substr(prefix.size());
    if (leaf == "A_log" || leaf == "A_logs") {
      t.copy_(torch::log(torch::arange(1, t.size(1) + 1, torch::kFloat)).expand_as(t));
    } else if (leaf == "D" || leaf == "Ds" || leaf == "skip_scale") {
      t.fill_(1.0);
    } else if (endsWith(name, "dt_proj.bias") || leaf == "dt_projs_bias") {
      inverseSoftplusSteps(t);
    } else if (endsWith(name, "dt_proj.weight") || leaf == "dt_projs_weight") {
      const double bound = 1.0 / std::sqrt(static_cast<double>(t.size(-1)));
      t.uniform_(-bound, bound);
    } else if (leaf == "x_proj_weight") {  // stacked nn.Linear weights, each with the default init
      uniformFanIn(t, t.size(-1));
    } else if (t.dim() == 1) {
      const auto sibling = params.find(prefix + "weight");
      const bool norm = leaf == "weight" || sibling == params.end() || sibling->second.dim() == 1;
      if (norm) {
        t.fill_(leaf == "weight" ? 1.0 : 0.0);
      } else if (init == WeightInit::PyTorchDefaults || (init == WeightInit::VisionMamba && sibling->second.dim() > 2) ||
                 (init == WeightInit::HeConvolutions && sibling->second.dim() < 4)) {
        uniformFanIn(t, fanIn(sibling->second));
      } else {
        t.zero_();
      }
    } else if (init == WeightInit::HeConvolutions && t.dim() >= 4) {
      const double a = 1e-2;
      t.normal_(0.0, std::sqrt(2.0 / (1.0 + a * a)) / std::sqrt(static_cast<double>(fanIn(t))));
    } else if (init == WeightInit::VisionMamba && t.dim() == 2) {
      t.normal_(0.0, 0.02).clamp_(-2.0, 2.0);
    } else {
      uniformFanIn(t, fanIn(t));
    }
  }
  for (auto& p : network.parameters()) p.requires_grad_(true);
}

}  // namespace krait::models
