#pragma once
// How each official trainer trains its network, beyond what the plans say: the optimiser and learning-rate
// schedule of its configure_optimizers, deep supervision, mixed precision, encoder freezing — and the initial
// weights its network starts from, since Krait's networks are built empty for loading checkpoints.
#include <cstdint>
#include <string>

#include "krait/models/networks/network.h"

namespace krait::models {

enum class OptimizerKind { SGD, Adam, AdamW };
enum class LearningRateSchedule { Poly, Cosine };
enum class WeightInit {
  HeConvolutions,  // nnU-Net's InitWeights_He(1e-2) on 2D/3D (transposed) convolutions, biases 0 (U-Mamba)
  PyTorchDefaults, // every layer as its PyTorch constructor leaves it (LightM-UNet)
  VisionMamba,     // linear layers trunc_normal(std 0.02), biases 0 (VMamba's _init_weights; Swin-UMamba)
};

struct TrainingRecipe {
  OptimizerKind optimizer = OptimizerKind::SGD;
  double learningRate = 1e-2, weightDecay = 3e-5, momentum = 0.99, epsilon = 1e-8;
  bool nesterov = true;
  LearningRateSchedule schedule = LearningRateSchedule::Poly;
  double minimumLearningRate = 0.0;  // the cosine schedule's floor
  bool deepSupervision = true;
  bool mixedPrecision = true;        // autocast with a loss scaler on CUDA
  int freezeEncoderEpochs = 0;       // parameters under `frozenPrefix` (but not `trainablePrefix`) stay fixed
  std::string frozenPrefix, trainablePrefix;
  WeightInit init = WeightInit::HeConvolutions;
};

// The learning rate of `epoch` (0-based) of `epochs`: PolyLRScheduler's initial * (1 - epoch / epochs)^0.9, or
// CosineAnnealingLR's floor + (initial - floor) * (1 + cos(pi * epoch / epochs)) / 2.
double learningRate(const TrainingRecipe& recipe, int epoch, int epochs);

// The recipe of an official trainer name; Error(Input) for a trainer Krait cannot train.
TrainingRecipe trainingRecipe(const std::string& trainer);

// Fresh weights as the official network's constructor and the trainer's init leave them: the Mamba layers as
// mamba_ssm initialises them (A_log = log(1..N), D = 1, dt_proj's bias the inverse softplus of a log-uniform
// step in [1e-3, 1e-1], its weight uniform in +-rank^-0.5), norms 1 and 0, the rest per `init`. Every
// parameter then requires gradients. Deterministic for a given torch::manual_seed.
void initializeForTraining(Network& network, WeightInit init);

}  // namespace krait::models
