#include "krait/models/networks/mamba.h"

#include <torch/torch.h>

#include "krait/models/ops/selective_scan.h"

namespace krait::models {

MambaImpl::MambaImpl(int64_t dModel, int64_t dState, int64_t dConv, int64_t expand)
    : dInner_(expand * dModel), dtRank_((dModel + 15) / 16), dState_(dState), dConv_(dConv) {
  aLog_ = registerTensor(*this, "A_log", {dInner_, dState});
  d_ = registerTensor(*this, "D", {dInner_});
  inProj_ = register_module("in_proj", Linear(dModel, 2 * dInner_, false));
  ConvOptions conv;
  conv.dims = 1;
  conv.in = conv.out = conv.groups = dInner_;
  conv.kernel = {dConv};
  conv.padding = {dConv - 1};
  conv1d_ = register_module("conv1d", Conv(conv));
  xProj_ = register_module("x_proj", Linear(dInner_, dtRank_ + 2 * dState, false));
  dtProj_ = register_module("dt_proj", Linear(dtRank_, dInner_, true));
  outProj_ = register_module("out_proj", Linear(dInner_, dModel, false));
}

torch::Tensor MambaImpl::forward(const torch::Tensor& hidden) {
  const torch::Tensor xz = inProj_->forward(hidden);  // (B, L, 2 d_inner): x first, then the gate z
  const torch::Tensor x = causalConv1dSilu(xz.narrow(2, 0, dInner_), *conv1d_);  // (B, L, d_inner)
  const torch::Tensor xDbl = xProj_->forward(x);                                  // (B, L, R + 2N)
  SelectiveScanInputs scan;
  scan.u = x.transpose(1, 2);
  // The bias enters as the scan's delta_bias (added before the softplus), as mamba_ssm passes it.
  scan.delta = linearTokens(xDbl.narrow(2, 0, dtRank_), dtProj_->weight()).transpose(1, 2);
  scan.B = xDbl.narrow(2, dtRank_, dState_).transpose(1, 2);
  scan.C = xDbl.narrow(2, dtRank_ + dState_, dState_).transpose(1, 2);
  scan.A = -torch::exp(aLog_);
  scan.D = d_;
  scan.z = xz.narrow(2, dInner_, dInner_).transpose(1, 2);
  scan.deltaBias = dtProj_->bias();
  scan.deltaSoftplus = true;
  const torch::Tensor y = selectiveScan(scan);  // (B, d_inner, L)
  return outProj_->forward(y.transpose(1, 2));
}

}  // namespace krait::models
