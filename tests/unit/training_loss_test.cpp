// nnU-Net's training loss and schedule against the official classes: DC_and_CE_loss with the memory-efficient
// soft Dice, per sample and over the batch, with an ignore label, and wrapped for deep supervision — loss values
// and gradients written by tests/fixtures/training/make_loss_fixtures.py.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <filesystem>

#include "krait/models/checkpoint/torch_save.h"
#include "krait/training/loss.h"

using namespace krait;
using namespace krait::models;

namespace {

std::vector<torch::Tensor> tensors(const PyRef& list) {
  std::vector<torch::Tensor> out;
  // None where PyTorch left a gradient out (an output with weight 0).
  for (const PyRef& t : list->as<PyList>().items) out.push_back(t->is<torch::Tensor>() ? t->as<torch::Tensor>() : torch::Tensor());
  return out;
}

class TrainingLoss : public ::testing::TestWithParam<std::string> {};

TEST_P(TrainingLoss, MatchesTheOfficialLossAndGradients) {
  const PyRef f = readTorchSave(std::filesystem::path(KRAIT_FIXTURES) / "training" / (GetParam() + ".pth"));
  training::LossOptions options;
  options.batchDice = f->get("batch_dice")->as<bool>();
  options.ignoreLabel = f->get("ignore_label")->as<int64_t>();
  std::vector<torch::Tensor> logits = tensors(f->get("logits"));
  for (torch::Tensor& l : logits) l = l.clone().requires_grad_(true);
  const torch::Tensor weights = f->get("weights")->as<torch::Tensor>();
  const std::vector<double> ours = training::deepSupervisionWeights(logits.size());
  for (size_t i = 0; i < ours.size(); ++i) EXPECT_DOUBLE_EQ(ours[i], weights[static_cast<int64_t>(i)].item<double>());

  const torch::Tensor loss = training::deepSupervisionLoss(logits, tensors(f->get("targets")), options);
  EXPECT_NEAR(loss.item<double>(), f->get("loss")->as<torch::Tensor>().item<double>(), 1e-6);
  loss.backward();
  const std::vector<torch::Tensor> want = tensors(f->get("gradients"));
  for (size_t i = 0; i < logits.size(); ++i) {
    SCOPED_TRACE(i);
    if (ours[i] == 0.0) {  // the lowest output takes no part, here as in PyTorch
      EXPECT_FALSE(want[i].defined());
      EXPECT_FALSE(logits[i].grad().defined() && logits[i].grad().abs().max().item<double>() > 0);
      continue;
    }
    EXPECT_LE((logits[i].grad() - want[i]).abs().max().item<double>(), 1e-6 * want[i].abs().max().item<double>() + 1e-9);
  }
}

INSTANTIATE_TEST_SUITE_P(Official, TrainingLoss,
                         ::testing::Values("dice_ce_2d", "dice_ce_3d_batch_dice", "deep_supervision_3d", "ignore_label_2d"));

TEST(TrainingLossErrors, AMismatchedTargetIsRefused) {
  EXPECT_THROW(training::diceCeLoss(torch::randn({2, 3, 8, 8}), torch::zeros({2, 1, 8, 4}), {}), std::invalid_argument);
  EXPECT_THROW(training::deepSupervisionLoss({torch::randn({1, 2, 4, 4})}, {}, {}), std::invalid_argument);
}

// PolyLRScheduler over nnU-Net's 1000 epochs: 1e-2 at epoch 0, (1 - e/1000)^0.9 after.
}  // namespace
