// Fresh networks for training: the official initialisation, and a few optimiser steps that learn.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "krait/base/error.h"
#include "krait/models/nnunet/trainers.h"
#include "krait/models/nnunet/training_recipe.h"
#include "krait/training/loss.h"
#include "network_support.h"

using namespace krait::models;
using namespace krait::test;

namespace {

std::shared_ptr<Network> freshNetwork(const std::string& trainer, const std::string& fixture) {
  const auto plan = readConfigurationPlan(networkFixtures() / fixture / "plans.json", "2d");
  auto net = buildNetwork(trainer, plan, 1, 3);
  torch::manual_seed(3);
  initializeForTraining(*net, trainingRecipe(trainer).init);
  return net;
}

TEST(TrainingRecipe, RecipesAreTheOfficialTrainers) {
  EXPECT_EQ(trainingRecipe("nnUNetTrainerUMambaBot").optimizer, OptimizerKind::SGD);
  EXPECT_DOUBLE_EQ(trainingRecipe("nnUNetTrainerUMambaBot").learningRate, 1e-2);
  EXPECT_FALSE(trainingRecipe("nnUNetTrainerUMambaEncNoAMP").mixedPrecision);
  const TrainingRecipe light = trainingRecipe("nnUNetTrainerLightMUNet");
  EXPECT_EQ(light.optimizer, OptimizerKind::Adam);
  EXPECT_FALSE(light.deepSupervision);
  EXPECT_DOUBLE_EQ(light.weightDecay, 1e-5);
  const TrainingRecipe swin = trainingRecipe("nnUNetTrainerSwinUMambaDScratch");
  EXPECT_EQ(swin.optimizer, OptimizerKind::AdamW);
  EXPECT_EQ(swin.schedule, LearningRateSchedule::Cosine);
  EXPECT_EQ(swin.freezeEncoderEpochs, 10);
  EXPECT_THROW(trainingRecipe("nnUNetTrainerMedNeXt"), krait::Error);
}

TEST(TrainingRecipe, LearningRatesArePolyAndCosine) {
  const TrainingRecipe sgd = trainingRecipe("nnUNetTrainerUMambaBot");
  EXPECT_DOUBLE_EQ(learningRate(sgd, 0, 1000), 1e-2);
  EXPECT_NEAR(learningRate(sgd, 500, 1000), 1e-2 * std::pow(0.5, 0.9), 1e-15);
  EXPECT_NEAR(learningRate(sgd, 999, 1000), 1e-2 * std::pow(0.001, 0.9), 1e-15);
  const TrainingRecipe swin = trainingRecipe("nnUNetTrainerSwinUMamba");
  EXPECT_DOUBLE_EQ(learningRate(swin, 0, 100), 1e-4);
  EXPECT_NEAR(learningRate(swin, 50, 100), 1e-6 + (1e-4 - 1e-6) / 2, 1e-15);
}

TEST(TrainingRecipe, InitialisesAsTheOfficialConstructors) {
  const auto net = freshNetwork("nnUNetTrainerUMambaBot", "umamba_bot_2d");
  int mambas = 0;
  for (const auto& p : net->named_parameters()) {
    const std::string& name = p.key();
    const torch::Tensor& t = p.value();
    EXPECT_TRUE(t.requires_grad()) << name;
    EXPECT_TRUE(t.isfinite().all().item<bool>()) << name;
    if (name.size() > 6 && name.substr(name.size() - 6) == ".A_log") {
      ++mambas;
      EXPECT_TRUE(torch::allclose(t[0], torch::log(torch::arange(1, t.size(1) + 1, torch::kFloat)))) << name;
    } else if (name.size() > 2 && name.substr(name.size() - 2) == ".D") {
      EXPECT_TRUE(torch::equal(t, torch::ones_like(t))) << name;
    } else if (name.find("dt_proj.bias") != std::string::npos) {
      const torch::Tensor dt = torch::nn::functional::softplus(t);  // the steps it encodes: [1e-3, 1e-1]
      EXPECT_GE(dt.min().item<double>(), 1e-3 * 0.999) << name;
      EXPECT_LE(dt.max().item<double>(), 1e-1 * 1.001) << name;
    } else if (t.dim() >= 4) {  // He normal: std sqrt(2 / (1 + 0.01^2)) / sqrt(fan_in)
      const double fan = static_cast<double>(t.numel() / t.size(0));
      if (t.numel() > 2000) EXPECT_NEAR(t.std().item<double>() * std::sqrt(fan), std::sqrt(2.0), 0.15) << name;
    }
  }
  EXPECT_GT(mambas, 0);
}

TEST(TrainingRecipe, AFreshNetworkLearnsOnePatch) {
  for (const auto& [trainer, fixture] : {std::pair<std::string, std::string>{"nnUNetTrainerUMambaBot", "umamba_bot_2d"},
                                         {"nnUNetTrainerLightMUNet", "lightmunet_2d"}}) {
    const auto net = freshNetwork(trainer, fixture);
    std::vector<int64_t> shape{2, 1};
    for (const int64_t d : net->info().divisor) shape.push_back(std::max<int64_t>(d, 32));  // small, but a valid tile
    const torch::Tensor x = torch::randn(shape);
    const torch::Tensor target = (x > 0.5).to(torch::kLong) + (x > 1.5).to(torch::kLong);
    torch::optim::SGD sgd(net->parameters(), torch::optim::SGDOptions(1e-2).momentum(0.99).nesterov(true));
    double first = 0.0, last = 0.0;
    for (int step = 0; step < 8; ++step) {
      sgd.zero_grad();
      const torch::Tensor loss = krait::training::diceCeLoss(net->forward(x), target, {});
      loss.backward();
      sgd.step();
      (step == 0 ? first : last) = loss.item<double>();
    }
    EXPECT_LT(last, first) << trainer;
  }
}

}  // namespace
