// The CUDA cross scan (the four directions folded into one scan's indexing) against the sequences path on the CPU
// (flipped and transposed copies around the CPU scan, itself checked by the Swin-UMamba parity cases): square and
// oblong grids, a single row and column, channels that leave a partial warp, fp32 and fp16 inputs.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "krait/models/ops/cross_scan.h"
#include "network_support.h"

using namespace krait::models;
using krait::test::relativeError;

namespace {

constexpr int64_t kRank = 3;  // delta's rank in the projection B and C are sliced from

struct RandomCrossScan {
  torch::Tensor x, delta, projection, A, D, deltaBias;
  int64_t states = 0;
};

RandomCrossScan randomCrossScan(int64_t batch, int64_t h, int64_t w, int64_t d, int64_t states) {
  RandomCrossScan r;
  r.x = torch::randn({batch, h, w, d});
  r.delta = 0.5 * torch::randn({kCrossScanDirections, batch, h, w, d});
  r.projection = torch::randn({batch, h, w, kCrossScanDirections, kRank + 2 * states});
  r.A = -torch::exp(0.5 * torch::randn({kCrossScanDirections * d, states}));
  r.D = torch::randn({kCrossScanDirections * d});
  r.deltaBias = 0.3 * torch::randn({kCrossScanDirections * d});
  r.states = states;
  return r;
}

// The inputs on `device` with the per-token ones rounded to `type` (kept in it on the GPU, in fp32 on the CPU);
// B and C are slices of one projection, as SS2D passes them.
CrossScanInputs inputs(const RandomCrossScan& r, const torch::Device& device, torch::ScalarType type) {
  const auto perToken = [&](const torch::Tensor& t) {
    const torch::Tensor rounded = t.to(type);
    return device.is_cuda() ? rounded.to(device) : rounded.to(torch::kFloat32);
  };
  CrossScanInputs in;
  in.x = perToken(r.x);
  in.delta = perToken(r.delta);
  const torch::Tensor projection = perToken(r.projection);
  in.B = projection.narrow(4, kRank, r.states);
  in.C = projection.narrow(4, kRank + r.states, r.states);
  in.A = r.A.to(device), in.D = r.D.to(device), in.deltaBias = r.deltaBias.to(device);
  return in;
}

}  // namespace

TEST(CrossScanCuda, MatchesTheSequencesOnTheCpu) {
  torch::manual_seed(11);
  c10::InferenceMode guard;
  struct Case {
    int64_t batch, h, w, d, states;
  };
  for (const Case c : {Case{1, 16, 16, 32, 16}, Case{2, 13, 29, 48, 16}, Case{1, 1, 70, 40, 8}, Case{1, 70, 1, 40, 8},
                       Case{1, 64, 64, 96, 16}}) {
    for (const auto type : {torch::kFloat32, torch::kHalf}) {
      const std::string what = std::to_string(c.h) + "x" + std::to_string(c.w) + " grid, " + std::to_string(c.d) +
                               " channels, " + c10::toString(type);
      const RandomCrossScan r = randomCrossScan(c.batch, c.h, c.w, c.d, c.states);
      const torch::Tensor got = crossScan(inputs(r, torch::kCUDA, type));
      ASSERT_TRUE(got.is_cuda()) << what;
      ASSERT_EQ(got.scalar_type(), torch::kFloat32) << what;
      ASSERT_EQ(got.sizes(), torch::IntArrayRef({c.batch, c.h, c.w, c.d})) << what;
      const torch::Tensor want = crossScan(inputs(r, torch::kCPU, type));
      EXPECT_LE(relativeError(got.cpu(), want), 3e-5) << what;
      EXPECT_GT(want.std().item<double>(), 1e-2) << what;
    }
  }
}
