// Training on a GPU: the augmentation keeps the batch on the device, and a fresh network learns under fp16
// autocast as `krait train --device cuda` runs it (the U-Mamba trainers' AMP).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <random>

#include "krait/models/nnunet/trainers.h"
#include "krait/models/nnunet/training_recipe.h"
#include "krait/models/ops/autocast.h"
#include "krait/training/augmentation.h"
#include "krait/training/loss.h"
#include "network_support.h"

using namespace krait::training;

namespace {

TEST(TrainingCuda, AugmentationStaysOnTheDevice) {
  AugmentationOptions o = nnunetAugmentation({16, 32, 32}, {{1, 1, 1}, {0.5, 0.5, 0.5}});
  o.pRotation = o.pScale = o.pNoise = o.pBlur = o.pBrightness = o.pContrast = o.pLowResolution = 1.0;
  o.pGammaInverted = o.pGamma = 1.0;
  std::vector<int64_t> shape{2, 2};
  for (const int64_t s : initialPatchSize(o)) shape.push_back(s);
  const torch::Tensor data = torch::randn(shape, torch::kCUDA);
  shape[1] = 1;
  const torch::Tensor seg = torch::randint(-1, 3, shape, torch::kCUDA).to(torch::kFloat);
  std::mt19937_64 rng(14);
  const AugmentedBatch out = augmentBatch(data, seg, o, rng);
  EXPECT_TRUE(out.data.is_cuda());
  EXPECT_EQ(out.data.sizes().vec(), (std::vector<int64_t>{2, 2, 16, 32, 32}));
  EXPECT_EQ(out.targets[1].sizes().vec(), (std::vector<int64_t>{2, 1, 8, 16, 16}));
  EXPECT_TRUE(out.targets[1].is_cuda());
  EXPECT_TRUE(torch::isfinite(out.data).all().item<bool>());
  EXPECT_GE(out.targets[0].min().item<double>(), 0.0);  // -1 became 0
}

TEST(TrainingCuda, AFreshUMambaLearnsUnderHalfPrecisionAutocast) {
  using namespace krait::models;
  const auto plan = readConfigurationPlan(krait::test::networkFixtures() / "umamba_bot_2d" / "plans.json", "2d");
  const auto net = buildNetwork("nnUNetTrainerUMambaBot", plan, 1, 3);
  torch::manual_seed(3);
  initializeForTraining(*net, WeightInit::HeConvolutions);
  net->to(torch::kCUDA);
  std::vector<int64_t> shape{2, 1};
  for (const int64_t d : net->info().divisor) shape.push_back(std::max<int64_t>(d, 64));  // a valid tile
  const torch::Tensor x = torch::randn(shape, torch::kCUDA);
  const torch::Tensor target = (x > 0.5).to(torch::kLong) + (x > 1.5).to(torch::kLong);
  torch::optim::SGD sgd(net->parameters(), torch::optim::SGDOptions(1e-2).momentum(0.99).nesterov(true));
  double first = 0.0, last = 0.0;
  for (int step = 0; step < 10; ++step) {
    sgd.zero_grad();
    torch::Tensor logits;
    {
      const AutocastScope autocast(torch::kHalf);
      logits = net->forward(x);
    }
    const torch::Tensor loss = diceCeLoss(logits.to(torch::kFloat), target, {});
    ASSERT_TRUE(torch::isfinite(loss).item<bool>()) << "step " << step;
    loss.backward();
    for (const auto& p : net->parameters())
      if (p.grad().defined()) ASSERT_TRUE(torch::isfinite(p.grad()).all().item<bool>()) << "step " << step;
    sgd.step();
    (step == 0 ? first : last) = loss.item<double>();
  }
  EXPECT_LT(last, first);
}

}  // namespace
