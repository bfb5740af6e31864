// The CUDA selective scan against the CPU scan (itself tested against mamba_ssm's reference semantics), on the
// same values: every dtype, partial warps, fewer states, grouped B and C, both input layouts, and sequences
// long enough for every level of the scan over chunk carries.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "krait/models/ops/selective_scan.h"
#include "scan_support.h"

using namespace krait::models;
using namespace krait::test;

namespace {

// The inputs as `type` on the GPU, laid out as Mamba passes them (channels fastest) unless `tokensFastest`.
SelectiveScanInputs onGpu(const SelectiveScanInputs& in, torch::ScalarType type, bool tokensFastest = false) {
  const auto move = [&](const torch::Tensor& t, bool perToken) {
    if (!t.defined()) return t;
    torch::Tensor g = t.to(torch::kCUDA, perToken ? type : t.scalar_type());
    if (perToken && !tokensFastest && g.dim() == 3) g = g.transpose(1, 2).contiguous().transpose(1, 2);
    return g;
  };
  SelectiveScanInputs g = in;
  g.u = move(in.u, true), g.delta = move(in.delta, true), g.z = move(in.z, true);
  g.B = move(in.B, true), g.C = move(in.C, true);
  g.A = move(in.A, false), g.D = move(in.D, false), g.deltaBias = move(in.deltaBias, false);
  return g;
}

// The CPU scan of the values the GPU sees (rounded to `type`), in fp32.
torch::Tensor cpuScanOf(const SelectiveScanInputs& in, torch::ScalarType type) {
  SelectiveScanInputs c = in;
  for (torch::Tensor* t : {&c.u, &c.delta, &c.z, &c.B, &c.C})
    if (t->defined()) *t = t->to(type).to(torch::kFloat32);
  return selectiveScan(c);
}

void expectMatchesCpu(const Sizes& s, bool extras, torch::ScalarType type, double tol, bool tokensFastest = false) {
  const SelectiveScanInputs in = randomInputs(s, extras);
  const torch::Tensor got = selectiveScan(onGpu(in, type, tokensFastest));
  EXPECT_TRUE(got.is_cuda());
  EXPECT_EQ(got.scalar_type(), type);
  expectClose(got.to(torch::kFloat32), cpuScanOf(in, type), tol, tol);
}

}  // namespace

TEST(SelectiveScanCuda, Float32MatchesTheCpuScan) {
  for (const int64_t length : {1, 31, 33, 1000}) {
    SCOPED_TRACE(length);
    expectMatchesCpu({2, 64, length, 16, 0}, true, torch::kFloat32, 2e-5);
  }
}

TEST(SelectiveScanCuda, PartialWarpsFewerStatesAndNoExtras) {
  expectMatchesCpu({1, 48, 777, 8, 0}, false, torch::kFloat32, 2e-5);
  expectMatchesCpu({3, 5, 100, 1, 0}, true, torch::kFloat32, 2e-5);
}

TEST(SelectiveScanCuda, GroupedBAndCInEitherLayout) {
  // SS2D's four directions: 4 groups of 40 channels, B and C with different group counts.
  SelectiveScanInputs in = randomInputs({1, 160, 300, 16, 4}, true);
  in.C = in.C.narrow(1, 0, 2).contiguous();
  for (const bool tokensFastest : {false, true}) {
    SCOPED_TRACE(tokensFastest);
    expectClose(selectiveScan(onGpu(in, torch::kFloat32, tokensFastest)), selectiveScan(in), 2e-5, 2e-5);
  }
}

TEST(SelectiveScanCuda, LongSequencesUseEveryCarryLevel) {
  // 32 channels x 200,000 tokens: thousands of chunks, so the scan over their carries has two levels.
  expectMatchesCpu({1, 32, 200000, 16, 0}, true, torch::kFloat32, 1e-4);
  expectMatchesCpu({2, 64, 30000, 16, 0}, false, torch::kFloat32, 1e-4);
}

TEST(SelectiveScanCuda, HalfAndBfloat16InputsKeepAnFp32State) {
  // The output is rounded once to the input type: within a few of its ulps of the fp32 scan of the same values.
  expectMatchesCpu({1, 64, 20000, 16, 0}, true, torch::kFloat16, 4e-3);
  expectMatchesCpu({1, 64, 20000, 16, 0}, true, torch::kBFloat16, 2e-2);
}

TEST(SelectiveScanCuda, MatchesTheReferenceOnTheGpu) {
  const SelectiveScanInputs in = onGpu(randomInputs({1, 40, 64, 16, 0}, true), torch::kFloat32);
  expectClose(selectiveScan(in), selectiveScanReference(in), 2e-5, 2e-5);
}

TEST(SelectiveScanCuda, RefusesWhatItCannotRun) {
  SelectiveScanInputs in = onGpu(randomInputs({1, 8, 10, 17, 0}, false), torch::kFloat32);
  EXPECT_THROW(selectiveScan(in), std::invalid_argument);  // more than 16 states
  in = onGpu(randomInputs({1, 8, 10, 4, 0}, false), torch::kFloat64);
  EXPECT_THROW(selectiveScan(in), std::invalid_argument);
  in = onGpu(randomInputs({1, 8, 10, 4, 0}, false), torch::kFloat32);
  in.out = torch::empty({1, 8, 10});
  EXPECT_THROW(selectiveScan(in), std::invalid_argument);
}
