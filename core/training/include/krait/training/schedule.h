#pragma once
// nnU-Net's optimisation (nnUNetTrainer.configure_optimizers and train_step): SGD with Nesterov momentum 0.99,
// weight decay 3e-5, the learning rate falling as initial * (1 - epoch / epochs)^0.9 (PolyLRScheduler, stepped
// once per epoch), gradients clipped to norm 12.
namespace krait::training {

struct Schedule {
  double initialLearningRate = 1e-2;
  double weightDecay = 3e-5;
  double momentum = 0.99;
  double exponent = 0.9;
  double clipNorm = 12.0;
  int epochs = 1000;
  int iterationsPerEpoch = 250, validationIterationsPerEpoch = 50;
};

// The learning rate of `epoch` (0-based), as PolyLRScheduler.step(epoch) sets it.
double polyLearningRate(const Schedule& s, int epoch);

}  // namespace krait::training
