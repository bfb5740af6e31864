// The CPU selective scan against mamba_ssm's reference semantics (selectiveScanReference).
#include <gtest/gtest.h>

#include "krait/models/selective_scan.h"

using namespace krait::models;

namespace {

SelectiveScanInputs randomInputs(int64_t batch, int64_t channels, int64_t length, int64_t states, int64_t groups,
                                 bool extras) {
  torch::manual_seed(batch * 1000 + channels * 10 + length + groups);
  SelectiveScanInputs in;
  in.u = torch::randn({batch, channels, length});
  in.delta = torch::randn({batch, channels, length}) * 0.5;
  // As Mamba initialises it: A = -exp(A_log) with A_log = log(1..N).
  in.A = -torch::arange(1, states + 1, torch::kFloat32).repeat({channels, 1});
  const std::vector<int64_t> bc = groups == 0 ? std::vector<int64_t>{batch, states, length}
                                              : std::vector<int64_t>{batch, groups, states, length};
  in.B = torch::randn(bc);
  in.C = torch::randn(bc);
  if (extras) {
    in.D = torch::randn({channels});
    in.z = torch::randn({batch, channels, length});
    in.deltaBias = torch::randn({channels}) * 0.1;
    in.deltaSoftplus = true;
  }
  return in;
}

void expectClose(const torch::Tensor& got, const torch::Tensor& want, double rtol, double atol) {
  ASSERT_EQ(got.sizes(), want.sizes());
  ASSERT_EQ(got.scalar_type(), want.scalar_type());
  const double worst = ((got.to(torch::kFloat64) - want.to(torch::kFloat64)).abs() -
                        rtol * want.to(torch::kFloat64).abs()).max().item<double>();
  EXPECT_LE(worst, atol);
}

}  // namespace

TEST(SelectiveScan, PlainLayoutMatchesTheReference) {
  const auto in = randomInputs(2, 6, 37, 16, 0, true);
  expectClose(selectiveScan(in), selectiveScanReference(in), 1e-5, 1e-5);
}

TEST(SelectiveScan, WithoutOptionalInputs) {
  const auto in = randomInputs(1, 3, 50, 8, 0, false);
  expectClose(selectiveScan(in), selectiveScanReference(in), 1e-5, 1e-5);
}

TEST(SelectiveScan, GroupedLayoutServesConsecutiveChannels) {
  // SS2D: four directions, each group covering channels/4 channels.
  const auto in = randomInputs(1, 8, 25, 4, 4, true);
  expectClose(selectiveScan(in), selectiveScanReference(in), 1e-5, 1e-5);
  // Moving one group's B changes only that group's channels.
  SelectiveScanInputs moved = in;
  moved.B = in.B.clone();
  moved.B.select(1, 2).add_(1.0);
  const torch::Tensor diff = (selectiveScan(moved) - selectiveScan(in)).abs().sum(std::vector<int64_t>{0, 2});
  for (int64_t d = 0; d < 8; ++d) EXPECT_EQ(diff[d].item<float>() > 0, d / 2 == 2) << "channel " << d;
}

TEST(SelectiveScan, HalfInputsAccumulateInFloat) {
  auto in = randomInputs(1, 4, 64, 16, 0, true);
  in.u = in.u.to(torch::kFloat16);
  in.delta = in.delta.to(torch::kFloat16);
  in.z = in.z.to(torch::kFloat16);
  const torch::Tensor out = selectiveScan(in);
  EXPECT_EQ(out.scalar_type(), torch::kFloat16);
  expectClose(out, selectiveScanReference(in), 2e-3, 2e-3);
}

TEST(SelectiveScan, StateCarriesAcrossTheSequence) {
  // With B only at t=0 and C only at the end, the output at the end is the decayed first input.
  SelectiveScanInputs in;
  in.u = torch::ones({1, 1, 10});
  in.delta = torch::full({1, 1, 10}, 0.5);
  in.A = torch::full({1, 1}, -1.0);
  in.B = torch::zeros({1, 1, 10});
  in.B[0][0][0] = 1.0;
  in.C = torch::ones({1, 1, 10});
  const torch::Tensor out = selectiveScan(in);
  // h_0 = 0.5; h_t = exp(-0.5) h_{t-1}
  EXPECT_NEAR(out[0][0][9].item<float>(), 0.5 * std::exp(-0.5 * 9), 1e-7);
}

TEST(SelectiveScan, WrongShapesAreRejected) {
  auto in = randomInputs(1, 4, 8, 4, 0, false);
  in.A = torch::zeros({3, 4});
  EXPECT_THROW(selectiveScan(in), std::invalid_argument);
  in = randomInputs(1, 4, 8, 4, 3, false);  // 4 channels cannot split into 3 groups
  EXPECT_THROW(selectiveScan(in), std::invalid_argument);
}
