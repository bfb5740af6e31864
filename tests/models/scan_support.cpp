#include "scan_support.h"

#include <gtest/gtest.h>

#include <torch/torch.h>

#include <algorithm>
#include <vector>

namespace krait::test {

models::SelectiveScanInputs randomInputs(const Sizes& s, bool extras, uint64_t seed) {
  torch::manual_seed(seed + s.batch * 1000 + s.channels * 10 + s.length + s.states * 7 + s.groups);
  models::SelectiveScanInputs in;
  in.u = torch::randn({s.batch, s.channels, s.length});
  // Without softplus the step sizes must be positive, or the states grow without bound.
  in.delta = torch::randn({s.batch, s.channels, s.length}) * 0.5;
  if (!extras) in.delta = in.delta.abs();
  // As Mamba initialises it: A = -exp(A_log) with A_log = log(1..N), here with some spread per channel.
  in.A = -torch::arange(1, s.states + 1, torch::kFloat32).repeat({s.channels, 1}) *
         (torch::rand({s.channels, 1}) + 0.5);
  const std::vector<int64_t> bc = s.groups == 0 ? std::vector<int64_t>{s.batch, s.states, s.length}
                                                : std::vector<int64_t>{s.batch, s.groups, s.states, s.length};
  in.B = torch::randn(bc);
  in.C = torch::randn(bc);
  if (extras) {
    in.D = torch::randn({s.channels});
    in.z = torch::randn({s.batch, s.channels, s.length}) * 2.0;
    in.deltaBias = torch::rand({s.channels}) * 0.2 - 0.05;
    in.deltaSoftplus = true;
  }
  return in;
}

void expectClose(const torch::Tensor& got, const torch::Tensor& want, double rtol, double atol) {
  ASSERT_EQ(got.sizes(), want.sizes());
  ASSERT_EQ(got.scalar_type(), want.scalar_type());
  const torch::Tensor g = got.to(torch::kCPU, torch::kFloat64), w = want.to(torch::kCPU, torch::kFloat64);
  ASSERT_FALSE(g.isnan().any().item<bool>());
  const double scale = std::max(w.abs().max().item<double>(), 1e-30);
  const double worst = ((g - w).abs() - rtol * w.abs()).max().item<double>() / scale;
  EXPECT_LE(worst, atol);
}

}  // namespace krait::test
