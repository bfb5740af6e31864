// The selective scan's backward pass against two oracles: LibTorch's autograd through the per-timestep
// reference (mamba_ssm's selective_scan_ref semantics) in fp64, and central finite differences of the forward
// scan in fp64 (gradcheck's test). Lengths cross the 64-step recompute chunks; B and C plain and grouped.
#include <gtest/gtest.h>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "krait/models/ops/selective_scan.h"
#include "scan_support.h"

using namespace krait::models;
using namespace krait::test;

namespace {

SelectiveScanInputs inFloat64(SelectiveScanInputs in) {
  for (torch::Tensor* t : {&in.u, &in.delta, &in.A, &in.B, &in.C, &in.D, &in.z, &in.deltaBias})
    if (t->defined()) *t = t->to(torch::kFloat64);
  return in;
}

std::vector<std::pair<std::string, torch::Tensor*>> operands(SelectiveScanInputs& in) {
  return {{"u", &in.u}, {"delta", &in.delta}, {"A", &in.A}, {"B", &in.B}, {"C", &in.C},
          {"D", &in.D}, {"z", &in.z}, {"deltaBias", &in.deltaBias}};
}

std::vector<torch::Tensor> gradients(const SelectiveScanGradients& g) { return {g.u, g.delta, g.A, g.B, g.C, g.D, g.z, g.deltaBias}; }

// dL/d(input) for L = sum(out * weights), by autograd through selectiveScanReference.
std::vector<torch::Tensor> referenceGradients(SelectiveScanInputs in, const torch::Tensor& weights) {
  for (auto& [name, t] : operands(in))
    if (t->defined()) *t = t->detach().clone().requires_grad_(true);
  (selectiveScanReference(in) * weights).sum().backward();
  std::vector<torch::Tensor> out;
  for (auto& [name, t] : operands(in)) out.push_back(t->defined() ? t->grad() : torch::Tensor());
  return out;
}

void expectGradientsMatch(const Sizes& s, bool extras, double atol) {
  SelectiveScanInputs in = inFloat64(randomInputs(s, extras, 3));
  const torch::Tensor weights = torch::randn(in.u.sizes(), torch::kFloat64);
  const std::vector<torch::Tensor> want = referenceGradients(in, weights);
  const std::vector<torch::Tensor> got = gradients(selectiveScanBackward(in, weights));
  const auto names = operands(in);
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(names[i].first);
    ASSERT_EQ(got[i].defined(), want[i].defined());
    if (want[i].defined()) expectClose(got[i], want[i], 1e-9, atol);
  }
}

}  // namespace

TEST(SelectiveScanBackward, MatchesAutogradThroughTheReference) {
  for (const Sizes& s : std::vector<Sizes>{{2, 4, 1, 4, 0}, {1, 3, 64, 5, 0}, {2, 6, 150, 8, 0}, {1, 8, 130, 4, 2}, {2, 8, 97, 16, 4}}) {
    for (const bool extras : {false, true}) {
      SCOPED_TRACE(std::to_string(s.length) + " steps, groups " + std::to_string(s.groups) + (extras ? ", D z bias softplus" : ""));
      expectGradientsMatch(s, extras, 1e-10);
    }
  }
}

// gradcheck: each input's gradient, element by element on a small case, against (L(x + e) - L(x - e)) / 2e.
TEST(SelectiveScanBackward, MatchesFiniteDifferences) {
  SelectiveScanInputs in = inFloat64(randomInputs({1, 4, 70, 3, 2}, true, 5));
  const torch::Tensor weights = torch::randn(in.u.sizes(), torch::kFloat64);
  const std::vector<torch::Tensor> got = gradients(selectiveScanBackward(in, weights));
  const auto loss = [&] { return (selectiveScanReference(in) * weights).sum().item<double>(); };
  auto names = operands(in);
  for (size_t i = 0; i < names.size(); ++i) {
    torch::Tensor flat = names[i].second->view({-1});
    const torch::Tensor grad = got[i].reshape({-1});
    // A spread of elements, the first and last (the chunks' ends) among them.
    for (int64_t k : {int64_t{0}, flat.numel() / 3, flat.numel() / 2 + 1, flat.numel() - 1}) {
      const double e = 1e-6, x = flat[k].item<double>();
      flat[k] = x + e;
      const double up = loss();
      flat[k] = x - e;
      const double down = loss();
      flat[k] = x;
      const double numeric = (up - down) / (2 * e);
      EXPECT_NEAR(grad[k].item<double>(), numeric, 1e-6 * std::max(1.0, std::abs(numeric))) << names[i].first << "[" << k << "]";
    }
  }
}

// fp32 inputs give fp32 gradients close to the fp64 ones, on every thread count.
TEST(SelectiveScanBackward, Float32AgreesWithFloat64OnAnyThreadCount) {
  const SelectiveScanInputs in = randomInputs({2, 16, 200, 16, 0}, true, 7);
  const torch::Tensor weights = torch::randn(in.u.sizes());
  const std::vector<torch::Tensor> want = gradients(selectiveScanBackward(inFloat64(in), weights.to(torch::kFloat64)));
  const int threads = at::get_num_threads();
  for (const int n : {1, 2, 3}) {
    at::set_num_threads(n);
    const std::vector<torch::Tensor> got = gradients(selectiveScanBackward(in, weights));
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(got[i].scalar_type(), torch::kFloat32);
      expectClose(got[i].to(torch::kFloat64), want[i], 1e-4, 1e-4);
    }
  }
  at::set_num_threads(threads);
}

// The autograd op: the same output as the forward scan, and backward() fills each input's grad.
TEST(SelectiveScanBackward, TheAutogradOpTrainsThroughTheScan) {
  SelectiveScanInputs in = randomInputs({2, 8, 90, 8, 2}, true, 11);
  const torch::Tensor forward = selectiveScan(in);
  for (auto& [name, t] : operands(in)) *t = t->detach().clone().requires_grad_(true);
  const torch::Tensor out = selectiveScanDifferentiable(in);
  expectClose(out.detach(), forward, 1e-6, 1e-6);
  const torch::Tensor weights = torch::randn(out.sizes());
  (out * weights).sum().backward();
  const std::vector<torch::Tensor> want = gradients(selectiveScanBackward(in, weights));
  auto names = operands(in);
  for (size_t i = 0; i < names.size(); ++i) {
    SCOPED_TRACE(names[i].first);
    ASSERT_TRUE(names[i].second->grad().defined());
    EXPECT_TRUE(names[i].second->grad().equal(want[i]));
  }
  // Absent inputs stay absent: no D, z or bias.
  SelectiveScanInputs plain = randomInputs({1, 4, 20, 4, 0}, false, 13);
  plain.u.requires_grad_(true);
  selectiveScanDifferentiable(plain).sum().backward();
  EXPECT_TRUE(plain.u.grad().defined());
}

TEST(SelectiveScanBackward, RefusesAMisShapedGradient) {
  const SelectiveScanInputs in = randomInputs({1, 4, 10, 4, 0}, false);
  EXPECT_THROW(selectiveScanBackward(in, torch::ones({1, 4, 9})), std::invalid_argument);
  EXPECT_THROW(selectiveScanBackward(in, torch::Tensor()), std::invalid_argument);
}
