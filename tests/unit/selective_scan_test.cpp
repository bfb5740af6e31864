// The CPU selective scan against mamba_ssm's reference semantics (selectiveScanReference), for every kernel
// (instruction set) this CPU can run.
#include <gtest/gtest.h>

#include <ATen/Parallel.h>

#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "krait/models/ops/selective_scan.h"
#include "scan_support.h"

using namespace krait::models;
using namespace krait::test;

namespace {

std::vector<CpuScanKernel> kernels() {
  std::vector<CpuScanKernel> all;
  for (const CpuScanKernel k : {CpuScanKernel::Avx512, CpuScanKernel::Avx2, CpuScanKernel::Generic})
    if (cpuScanKernelSupported(k)) all.push_back(k);
  return all;
}

// Every kernel against the reference.
void expectAllKernelsMatch(const SelectiveScanInputs& in, double rtol = 1e-5, double atol = 1e-5) {
  const torch::Tensor want = selectiveScanReference(in);
  for (const CpuScanKernel k : kernels()) {
    SCOPED_TRACE(cpuScanKernelName(k));
    expectClose(selectiveScan(in, k), want, rtol, atol);
  }
  expectClose(selectiveScan(in), want, rtol, atol);
}

}  // namespace

TEST(SelectiveScan, KernelsAreNamed) {
  EXPECT_TRUE(cpuScanKernelSupported(CpuScanKernel::Automatic));
  EXPECT_TRUE(cpuScanKernelSupported(CpuScanKernel::Generic));
  const std::string automatic = cpuScanKernelName(CpuScanKernel::Automatic);
  EXPECT_TRUE(automatic == "avx512" || automatic == "avx2" || automatic == "generic") << automatic;
  EXPECT_STREQ(cpuScanKernelName(CpuScanKernel::Generic), "generic");
}

TEST(SelectiveScan, PlainLayoutMatchesTheReference) {
  expectAllKernelsMatch(randomInputs({2, 6, 37, 16, 0}, true));
}

TEST(SelectiveScan, ManyChannelsAndChunks) {
  // Several full channel blocks plus a partial one, several sequence chunks plus a partial one.
  expectAllKernelsMatch(randomInputs({1, 37, 700, 16, 0}, true));
}

TEST(SelectiveScan, LongSequence) {
  expectAllKernelsMatch(randomInputs({1, 16, 6000, 16, 0}, true));
}

TEST(SelectiveScan, StateCountsOtherThanSixteen) {
  for (const int64_t states : {1, 4, 8, 12, 17, 32}) {
    SCOPED_TRACE("states " + std::to_string(states));
    expectAllKernelsMatch(randomInputs({2, 20, 300, states, 0}, true));
  }
}

TEST(SelectiveScan, BatchLargerThanOne) {
  expectAllKernelsMatch(randomInputs({3, 24, 260, 16, 0}, true));
}

TEST(SelectiveScan, WithoutOptionalInputs) {
  expectAllKernelsMatch(randomInputs({1, 3, 50, 8, 0}, false));
  expectAllKernelsMatch(randomInputs({2, 40, 300, 16, 0}, false));
}

TEST(SelectiveScan, EachOptionalInputAlone) {
  const auto full = randomInputs({2, 18, 130, 16, 0}, true);
  for (int which = 0; which < 4; ++which) {
    SCOPED_TRACE("only input " + std::to_string(which));
    SelectiveScanInputs in = randomInputs({2, 18, 130, 16, 0}, false);
    if (which == 0) in.D = full.D;
    if (which == 1) in.z = full.z;
    if (which == 2) in.deltaBias = full.deltaBias;
    if (which == 3) in.deltaSoftplus = true;
    expectAllKernelsMatch(in);
  }
}

TEST(SelectiveScan, LargeAndTinyStepSizes) {
  // Both sides of softplus's threshold (20), and step sizes from ~1e-9 up to 60.
  auto in = randomInputs({1, 20, 400, 16, 0}, true);
  in.delta = torch::randn({1, 20, 400}) * 15.0;
  in.A = in.A * 0.01;  // keep exp(dt A) away from 0 for large steps so that the state still matters
  expectAllKernelsMatch(in);
  in.delta = torch::randn({1, 20, 400}) * 3.0 - 20.0;
  expectAllKernelsMatch(in);
}

TEST(SelectiveScan, LargeGateInputs) {
  auto in = randomInputs({1, 17, 90, 16, 0}, true);
  in.z = torch::randn({1, 17, 90}) * 60.0;  // silu saturates on both sides
  expectAllKernelsMatch(in);
}

TEST(SelectiveScan, NaNsPropagateLikeTheReference) {
  // A NaN step size poisons its channel from that token on (as in the reference); other channels stay clean.
  for (const bool softplus : {true, false}) {
    SelectiveScanInputs in = randomInputs({1, 20, 100, 16, 0}, softplus);
    in.delta = in.delta.clone();
    in.delta[0][3][40] = std::numeric_limits<float>::quiet_NaN();
    const torch::Tensor want = selectiveScanReference(in).isnan();
    ASSERT_TRUE(want[0][3][99].item<bool>());
    for (const CpuScanKernel k : kernels()) EXPECT_TRUE(selectiveScan(in, k).isnan().equal(want)) << cpuScanKernelName(k);
  }
}

TEST(SelectiveScan, GroupedLayoutServesConsecutiveChannels) {
  // SS2D: four directions, each group covering channels/4 channels.
  const auto in = randomInputs({1, 8, 25, 4, 4}, true);
  expectAllKernelsMatch(in);
  // Moving one group's B changes only that group's channels.
  SelectiveScanInputs moved = in;
  moved.B = in.B.clone();
  moved.B.select(1, 2).add_(1.0);
  const torch::Tensor diff = (selectiveScan(moved) - selectiveScan(in)).abs().sum(std::vector<int64_t>{0, 2});
  for (int64_t d = 0; d < 8; ++d) EXPECT_EQ(diff[d].item<float>() > 0, d / 2 == 2) << "channel " << d;
}

TEST(SelectiveScan, GroupedLayoutAtSS2DSizes) {
  // Four directions of 48 channels (blocks fill groups exactly) and of 20 (partial blocks per group).
  SelectiveScanInputs in = randomInputs({2, 4 * 48, 300, 16, 4}, true);
  in.z = torch::Tensor();  // SS2D gates after its own LayerNorm, outside the scan
  expectAllKernelsMatch(in);
  expectAllKernelsMatch(randomInputs({1, 4 * 20, 200, 16, 4}, true));
}

TEST(SelectiveScan, BAndCWithDifferentGroupCounts) {
  SelectiveScanInputs in = randomInputs({1, 24, 80, 16, 0}, true);
  in.B = torch::randn({1, 2, 16, 80});
  in.C = torch::randn({1, 3, 16, 80});
  expectAllKernelsMatch(in);
}

TEST(SelectiveScan, NonContiguousInputs) {
  const int64_t batch = 2, channels = 40, length = 333, states = 16;
  SelectiveScanInputs in = randomInputs({batch, channels, length, states, 0}, true);
  // As Krait's Mamba layer passes them: delta and z transposes of (B, L, D) projections, B and C transposes
  // of slices of one (B, L, R + 2N) projection, u a slice of a longer sequence.
  in.delta = in.delta.transpose(1, 2).contiguous().transpose(1, 2);
  const torch::Tensor xz = torch::cat({in.u, in.z}, 1).transpose(1, 2).contiguous();  // (B, L, 2D)
  in.z = xz.narrow(2, channels, channels).transpose(1, 2);
  const torch::Tensor xdbl = torch::cat({torch::randn({batch, 5, length}), in.B, in.C}, 1).transpose(1, 2).contiguous();
  in.B = xdbl.narrow(2, 5, states).transpose(1, 2);
  in.C = xdbl.narrow(2, 5 + states, states).transpose(1, 2);
  in.u = torch::cat({in.u, torch::randn({batch, channels, 7})}, 2).narrow(2, 0, length);
  ASSERT_FALSE(in.delta.is_contiguous());
  ASSERT_FALSE(in.z.is_contiguous());
  ASSERT_FALSE(in.B.is_contiguous());
  ASSERT_FALSE(in.u.is_contiguous());
  expectAllKernelsMatch(in);
  // Fully general strides: every other element.
  SelectiveScanInputs sparse = randomInputs({batch, channels, length, states, 0}, true);
  const auto spread = [](const torch::Tensor& t) {
    return torch::stack({t, torch::zeros_like(t)}, -1).flatten(-2).narrow(-1, 0, 2 * t.size(-1) - 1).slice(-1, 0, c10::nullopt, 2);
  };
  sparse.u = spread(sparse.u);
  sparse.delta = spread(sparse.delta);
  sparse.z = spread(sparse.z);
  sparse.B = spread(sparse.B);
  sparse.C = spread(sparse.C);
  ASSERT_EQ(sparse.u.stride(2), 2);
  expectAllKernelsMatch(sparse);
}

// Restores LibTorch's intra-op thread count when it goes out of scope.
class IntraOpThreads {
 public:
  explicit IntraOpThreads(int n) : saved_(at::get_num_threads()) { at::set_num_threads(n); }
  ~IntraOpThreads() { at::set_num_threads(saved_); }
  IntraOpThreads(const IntraOpThreads&) = delete;
  IntraOpThreads& operator=(const IntraOpThreads&) = delete;

 private:
  int saved_;
};

TEST(SelectiveScan, SeveralThreads) {
  // Enough work per channel block that the scan splits it across threads (3: uneven shares).
  const IntraOpThreads threads(3);
  expectAllKernelsMatch(randomInputs({2, 80, 2500, 16, 0}, true));
  SelectiveScanInputs grouped = randomInputs({1, 4 * 40, 2100, 16, 4}, true);
  grouped.z = torch::Tensor();
  expectAllKernelsMatch(grouped);
}

TEST(SelectiveScan, CallsFromSeveralThreadsAtOnce) {
  const IntraOpThreads threads(2);
  const auto in = randomInputs({1, 64, 3000, 16, 0}, true);
  const torch::Tensor want = selectiveScanReference(in);
  std::vector<torch::Tensor> got(4);
  std::vector<std::thread> callers;
  for (std::size_t i = 0; i < got.size(); ++i) callers.emplace_back([&, i] { got[i] = selectiveScan(in); });
  for (std::thread& t : callers) t.join();
  for (const torch::Tensor& g : got) expectClose(g, want, 1e-5, 1e-5);
}

TEST(SelectiveScan, OutputsAreDistinctBuffers) {
  // Outputs come from a cache of freed buffers: live outputs must never share memory.
  const auto a = randomInputs({1, 48, 3000, 16, 0}, true);
  const auto b = randomInputs({1, 48, 3000, 16, 0}, true, 1);
  const torch::Tensor wantA = selectiveScanReference(a), wantB = selectiveScanReference(b);
  for (int round = 0; round < 3; ++round) {
    const torch::Tensor outA = selectiveScan(a), outB = selectiveScan(b);
    EXPECT_NE(outA.data_ptr(), outB.data_ptr());
    expectClose(outA, wantA, 1e-5, 1e-5);
    expectClose(outB, wantB, 1e-5, 1e-5);
  }
}

TEST(SelectiveScan, IntoAGivenOutput) {
  SelectiveScanInputs in = randomInputs({2, 20, 300, 16, 0}, true);
  const torch::Tensor want = selectiveScanReference(in);
  in.out = torch::full({2, 20, 300}, 7.0f);
  const torch::Tensor out = selectiveScan(in);
  EXPECT_EQ(out.data_ptr(), in.out.data_ptr());
  expectClose(in.out, want, 1e-5, 1e-5);
  in.out = torch::zeros({2, 20, 299});
  EXPECT_THROW(selectiveScan(in), std::invalid_argument);
  in.out = torch::zeros({2, 300, 20}).transpose(1, 2);  // not contiguous
  EXPECT_THROW(selectiveScan(in), std::invalid_argument);
}

TEST(SelectiveScan, HalfInputsAccumulateInFloat) {
  auto in = randomInputs({1, 4, 64, 16, 0}, true);
  in.u = in.u.to(torch::kFloat16);
  in.delta = in.delta.to(torch::kFloat16);
  in.z = in.z.to(torch::kFloat16);
  const torch::Tensor out = selectiveScan(in);
  EXPECT_EQ(out.scalar_type(), torch::kFloat16);
  expectClose(out, selectiveScanReference(in), 2e-3, 2e-3);
}

TEST(SelectiveScan, StateCarriesAcrossTheSequence) {
  // With B only at t=0 and C everywhere, the output at the end is the decayed first input.
  SelectiveScanInputs in;
  in.u = torch::ones({1, 1, 10});
  in.delta = torch::full({1, 1, 10}, 0.5);
  in.A = torch::full({1, 1}, -1.0);
  in.B = torch::zeros({1, 1, 10});
  in.B[0][0][0] = 1.0;
  in.C = torch::ones({1, 1, 10});
  for (const CpuScanKernel k : kernels()) {
    const torch::Tensor out = selectiveScan(in, k);
    // h_0 = 0.5; h_t = exp(-0.5) h_{t-1}
    EXPECT_NEAR(out[0][0][9].item<float>(), 0.5 * std::exp(-0.5 * 9), 1e-7) << cpuScanKernelName(k);
  }
}

TEST(SelectiveScan, EmptySequence) {
  const auto in = randomInputs({1, 4, 0, 16, 0}, true);
  EXPECT_EQ(selectiveScan(in).sizes(), in.u.sizes());
}

TEST(SelectiveScan, WrongShapesAreRejected) {
  auto in = randomInputs({1, 4, 8, 4, 0}, false);
  in.A = torch::zeros({3, 4});
  EXPECT_THROW(selectiveScan(in), std::invalid_argument);
  in = randomInputs({1, 4, 8, 4, 3}, false);  // 4 channels cannot split into 3 groups
  EXPECT_THROW(selectiveScan(in), std::invalid_argument);
  in = randomInputs({1, 4, 8, 4, 0}, true);
  in.D = torch::ones({5});
  EXPECT_THROW(selectiveScan(in), std::invalid_argument);
}
