// The CUDA selective scan backward against the CPU backward (itself checked against autograd through the
// reference and finite differences): every gradient, plain and grouped B/C, partial warps, lengths across the
// 64-token chunks, fp16/bf16 inputs; then whole networks trained one backward pass on the GPU against the
// official autograd's gradients.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "krait/models/ops/selective_scan.h"
#include "network_support.h"
#include "scan_support.h"

using namespace krait::models;
using namespace krait::test;

namespace {

std::vector<torch::Tensor> all(const SelectiveScanGradients& g) { return {g.u, g.delta, g.A, g.B, g.C, g.D, g.z, g.deltaBias}; }
const char* const kNames[] = {"u", "delta", "A", "B", "C", "D", "z", "deltaBias"};

// The inputs on the GPU as `type` (per-token tensors; A, D and deltaBias stay fp32), channels fastest as
// Mamba passes them.
SelectiveScanInputs onGpu(const SelectiveScanInputs& in, torch::ScalarType type) {
  SelectiveScanInputs g = in;
  for (torch::Tensor* t : {&g.u, &g.delta, &g.z, &g.B, &g.C})
    if (t->defined()) *t = t->to(torch::kCUDA, type);
  for (torch::Tensor* t : {&g.u, &g.delta, &g.z})
    if (t->defined()) *t = t->transpose(1, 2).contiguous().transpose(1, 2);
  for (torch::Tensor* t : {&g.A, &g.D, &g.deltaBias})
    if (t->defined()) *t = t->to(torch::kCUDA);
  return g;
}

void expectMatchesCpu(const Sizes& s, bool extras, torch::ScalarType type, double tol) {
  SelectiveScanInputs in = randomInputs(s, extras, 21);
  // The CPU sees the values the GPU sees (rounded to `type`), in fp32.
  for (torch::Tensor* t : {&in.u, &in.delta, &in.z, &in.B, &in.C})
    if (t->defined()) *t = t->to(type).to(torch::kFloat32);
  const torch::Tensor weights = torch::randn(in.u.sizes()).to(type).to(torch::kFloat32);
  const std::vector<torch::Tensor> want = all(selectiveScanBackward(in, weights));
  const std::vector<torch::Tensor> got = all(selectiveScanBackward(onGpu(in, type), weights.to(torch::kCUDA, type)));
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(kNames[i]);
    ASSERT_EQ(got[i].defined(), want[i].defined());
    if (!want[i].defined()) continue;
    EXPECT_TRUE(got[i].is_cuda());
    expectClose(got[i].cpu().to(torch::kFloat32), want[i], tol, tol);
  }
}

}  // namespace

TEST(SelectiveScanBackwardCuda, Float32MatchesTheCpuBackward) {
  for (const int64_t length : {1, 63, 64, 65, 300}) {
    SCOPED_TRACE(length);
    expectMatchesCpu({2, 64, length, 16, 0}, true, torch::kFloat32, 1e-4);
  }
}

TEST(SelectiveScanBackwardCuda, PartialWarpsGroupsFewerStatesAndNoExtras) {
  expectMatchesCpu({1, 48, 130, 8, 0}, false, torch::kFloat32, 1e-4);
  expectMatchesCpu({2, 40, 97, 16, 4}, true, torch::kFloat32, 1e-4);
  expectMatchesCpu({3, 5, 70, 1, 0}, true, torch::kFloat32, 1e-4);
}

TEST(SelectiveScanBackwardCuda, HalfAndBfloat16InputsGiveGradientsInTheirType) {
  expectMatchesCpu({2, 64, 200, 16, 0}, true, torch::kFloat16, 5e-3);
  expectMatchesCpu({2, 64, 200, 16, 0}, true, torch::kBFloat16, 2e-2);
}

// Autograd through the GPU scan, as training calls it.
TEST(SelectiveScanBackwardCuda, TheAutogradOpRunsOnTheGpu) {
  SelectiveScanInputs in = onGpu(randomInputs({2, 32, 90, 16, 0}, true, 5), torch::kFloat32);
  for (torch::Tensor* t : {&in.u, &in.delta, &in.A, &in.B, &in.C, &in.D, &in.z, &in.deltaBias}) t->requires_grad_(true);
  const torch::Tensor out = selectiveScan(in);
  out.sum().backward();
  EXPECT_TRUE(in.u.grad().is_cuda());
  EXPECT_TRUE(in.A.grad().defined());
  EXPECT_GT(in.B.grad().abs().sum().item<double>(), 0.0);
}

TEST(NetworkGradientsCuda, EveryFamilyMatchesTheOfficialAutograd) {
  // fp32 convolutions and matrix products, as the official CPU autograd computed them (LibTorch allows TF32).
  at::globalContext().setAllowTF32CuDNN(false);
  at::globalContext().setAllowTF32CuBLAS(false);
  for (const std::string& name : gradientFixtureCases()) {
    SCOPED_TRACE(name);
    expectOfficialGradients(name, torch::kCUDA);
  }
}
