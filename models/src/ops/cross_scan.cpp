#include "krait/models/ops/cross_scan.h"

#include <torch/torch.h>

#include <stdexcept>
#include <vector>

#include "krait/models/ops/autograd.h"
#include "krait/models/ops/selective_scan.h"
#ifdef KRAIT_WITH_CUDA
#include "cuda/selective_scan_tensors.h"
#endif

namespace krait::models {

namespace {

// Direction k's sequence of a grid-ordered map t (batch, h, w, c), as (batch, c, h * w): by rows (k even) or
// by columns (k odd), backwards when k & 2.
torch::Tensor sequence(const torch::Tensor& t, int64_t k) {
  const torch::Tensor s = (k & 1 ? t.permute({0, 3, 2, 1}) : t.permute({0, 3, 1, 2})).reshape({t.size(0), t.size(3), -1});
  return k & 2 ? s.flip(-1) : s;
}

// Direction k's outputs (batch, c, h * w) back at their grid positions, (batch, c, h, w).
torch::Tensor onGrid(const torch::Tensor& s, int64_t k, int64_t h, int64_t w) {
  const torch::Tensor t = k & 2 ? s.flip(-1) : s;
  return k & 1 ? t.reshape({s.size(0), s.size(1), w, h}).transpose(2, 3) : t.reshape({s.size(0), s.size(1), h, w});
}

torch::Tensor crossScanSequences(const CrossScanInputs& in) {
  const int64_t batch = in.x.size(0), h = in.x.size(1), w = in.x.size(2), d = in.x.size(3);
  std::vector<torch::Tensor> u, delta, B, C;
  for (int64_t k = 0; k < kCrossScanDirections; ++k) {
    u.push_back(sequence(in.x, k));
    delta.push_back(sequence(in.delta[k], k));
    B.push_back(sequence(in.B.select(3, k), k));
    C.push_back(sequence(in.C.select(3, k), k));
  }
  SelectiveScanInputs scan;
  scan.u = torch::stack(u, 1).reshape({batch, kCrossScanDirections * d, h * w}).to(torch::kFloat32);
  scan.delta = torch::stack(delta, 1).reshape({batch, kCrossScanDirections * d, h * w}).to(torch::kFloat32);
  scan.B = torch::stack(B, 1).to(torch::kFloat32);  // (batch, 4, N, L): grouped by direction
  scan.C = torch::stack(C, 1).to(torch::kFloat32);
  scan.A = in.A;
  scan.D = in.D;
  scan.deltaBias = in.deltaBias;
  scan.deltaSoftplus = true;
  const torch::Tensor out = selectiveScan(scan).reshape({batch, kCrossScanDirections, d, h * w});
  const auto direction = [&](int64_t k) { return onGrid(out.select(1, k), k, h, w); };
  return (direction(0) + direction(2) + direction(1) + direction(3)).permute({0, 2, 3, 1});
}

void check(const CrossScanInputs& in) {
  const auto fail = [](const std::string& what) { throw std::invalid_argument("cross scan: " + what); };
  if (in.x.dim() != 4) fail("x must be (batch, h, w, d)");
  const int64_t batch = in.x.size(0), h = in.x.size(1), w = in.x.size(2), d = in.x.size(3);
  if (in.delta.sizes() != torch::IntArrayRef{kCrossScanDirections, batch, h, w, d}) fail("delta must be (4, batch, h, w, d)");
  for (const torch::Tensor* t : {&in.B, &in.C})
    if (t->dim() != 5 || t->size(0) != batch || t->size(1) != h || t->size(2) != w || t->size(3) != kCrossScanDirections)
      fail("B and C must be (batch, h, w, 4, N)");
  if (in.A.dim() != 2 || in.A.size(0) != kCrossScanDirections * d || in.A.size(1) != in.B.size(4)) fail("A must be (4d, N)");
}

}  // namespace

torch::Tensor crossScan(const CrossScanInputs& in) {
  check(in);
#ifdef KRAIT_WITH_CUDA
  if (in.x.is_cuda() && !recordsGradient({in.x, in.delta, in.B, in.C, in.A, in.D, in.deltaBias})) return crossScanCuda(in);
#endif
  return crossScanSequences(in);
}

}  // namespace krait::models
