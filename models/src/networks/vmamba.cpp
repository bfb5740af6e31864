#include "krait/models/networks/vmamba.h"

#include <torch/torch.h>

#include "krait/models/ops/cross_scan.h"

namespace krait::models {

SS2DImpl::SS2DImpl(int64_t dModel, int64_t dState) : dInner_(2 * dModel), dtRank_((dModel + 15) / 16), dState_(dState) {
  inProj_ = register_module("in_proj", Linear(dModel, 2 * dInner_, false));
  ConvOptions conv = convSame(2, dInner_, dInner_, {3});
  conv.groups = dInner_;
  conv2d_ = register_module("conv2d", Conv(conv));
  xProjWeight_ = registerTensor(*this, "x_proj_weight", {kCrossScanDirections, dtRank_ + 2 * dState, dInner_});
  dtProjsWeight_ = registerTensor(*this, "dt_projs_weight", {kCrossScanDirections, dInner_, dtRank_});
  dtProjsBias_ = registerTensor(*this, "dt_projs_bias", {kCrossScanDirections, dInner_});
  aLogs_ = registerTensor(*this, "A_logs", {kCrossScanDirections * dInner_, dState});
  ds_ = registerTensor(*this, "Ds", {kCrossScanDirections * dInner_});
  outNorm_ = register_module("out_norm", LayerNorm(dInner_));
  outProj_ = register_module("out_proj", Linear(dInner_, dModel, false));
}

bool SS2DImpl::keepsFloat32(const std::string& name, torch::ScalarType type) const {
  return !isAutocastType(type) || name == "A_logs" || name == "Ds" || name == "dt_projs_bias";
}

torch::ScalarType SS2DImpl::computeType() const { return inProj_->weight().scalar_type(); }

torch::Tensor SS2DImpl::forward(const torch::Tensor& input) {
  const torch::ScalarType compute = computeType();
  const torch::Tensor x = input.to(compute);
  const int64_t batch = x.size(0), h = x.size(1), w = x.size(2), k = kCrossScanDirections;
  const torch::Tensor xz = inProj_->forward(x);
  const torch::Tensor z = xz.narrow(3, dInner_, dInner_);
  const torch::Tensor grid = torch::silu(conv2d_->forward(xz.narrow(3, 0, dInner_).permute({0, 3, 1, 2}))).permute({0, 2, 3, 1});
  // The official code projects each scan order's copy of the tokens; a projection is per token, so all four
  // directions' projections of the tokens in grid order are the same values, from one matrix product each.
  const torch::Tensor xDbl = linearTokens(grid, xProjWeight_.reshape({-1, dInner_})).view({batch, h, w, k, -1});
  const torch::Tensor dts = torch::matmul(xDbl.narrow(4, 0, dtRank_).reshape({-1, k, dtRank_}).transpose(0, 1),
                                          dtProjsWeight_.transpose(1, 2));  // (4, batch * h * w, d)
  CrossScanInputs scan;
  scan.x = grid;
  scan.delta = dts.view({k, batch, h, w, dInner_});
  scan.B = xDbl.narrow(4, dtRank_, dState_);
  scan.C = xDbl.narrow(4, dtRank_ + dState_, dState_);
  scan.A = -torch::exp(aLogs_);
  scan.D = ds_;
  scan.deltaBias = dtProjsBias_.reshape({-1});
  // The merged scans are normalised before the gate (unlike Mamba, which gates inside the scan), in fp32; the
  // gate's SiLU is in the projections' type, as autocast leaves it.
  const torch::Tensor gated = outNorm_->forward(crossScan(scan)) * torch::silu(z);
  return outProj_->forward(gated.to(compute));
}

VSSLayerImpl::VSSLayerImpl(int64_t dim, int64_t depth, int64_t dState) {
  auto blocks = register_module("blocks", std::make_shared<torch::nn::Module>());
  for (int64_t j = 0; j < depth; ++j) {
    auto block = blocks->register_module(index(static_cast<size_t>(j)), std::make_shared<torch::nn::Module>());
    blocks_.emplace_back(block->register_module("ln_1", LayerNorm(dim)),
                         block->register_module("self_attention", SS2D(dim, dState)));
  }
}

torch::Tensor VSSLayerImpl::forward(const torch::Tensor& input) {
  torch::Tensor x = input;
  // The norm computes in fp32 and writes SS2D's projection type, as autocast's cast of layer_norm's output gives.
  for (auto& [norm, ss2d] : blocks_) x = x + ss2d->forward(norm->normalize(x, ss2d->computeType())).to(x.scalar_type());
  return x;
}

VSSMEncoderImpl::VSSMEncoderImpl(VSSMEncoderOptions options) : options_(std::move(options)) {
  const auto& o = options_;
  if (o.depths.size() != o.dims.size()) throw std::invalid_argument("VSSM encoder: one depth per stage");
  auto embed = register_module("patch_embed", std::make_shared<torch::nn::Module>());
  ConvOptions proj;
  proj.dims = 2;
  proj.in = o.inputChannels;
  proj.out = o.dims[0];
  proj.kernel = proj.stride = {o.patchSize};
  patchProj_ = embed->register_module("proj", Conv(proj));
  patchNorm_ = embed->register_module("norm", LayerNorm(o.dims[0]));
  auto layers = register_module("layers", std::make_shared<torch::nn::Module>());
  auto downsamples = register_module("downsamples", std::make_shared<torch::nn::Module>());
  for (size_t i = 0; i < o.dims.size(); ++i) {
    layers_.push_back(layers->register_module(index(i), VSSLayer(o.dims[i], o.depths[i], o.dState)));
    if (i + 1 < o.dims.size()) {
      auto merge = downsamples->register_module(index(i), std::make_shared<torch::nn::Module>());
      downsamples_.emplace_back(merge->register_module("norm", LayerNorm(4 * o.dims[i])),
                                merge->register_module("reduction", Linear(4 * o.dims[i], 2 * o.dims[i], false)));
    }
  }
}

std::vector<torch::Tensor> VSSMEncoderImpl::forward(const torch::Tensor& input) {
  using torch::indexing::None;
  using torch::indexing::Slice;
  std::vector<torch::Tensor> outputs{input};
  torch::Tensor x = patchNorm_->forward(patchProj_->forward(input).permute({0, 2, 3, 1}));
  for (size_t i = 0; i < layers_.size(); ++i) {
    x = layers_[i]->forward(x);
    outputs.push_back(x.permute({0, 3, 1, 2}));
    if (i < downsamples_.size()) {
      // PatchMerging2D: the 2x2 neighbours in the order (0,0), (1,0), (0,1), (1,1) of (row, column).
      const auto pick = [&](int64_t r, int64_t c) {
        return x.index({Slice(), Slice(r, None, 2), Slice(c, None, 2), Slice()});
      };
      x = torch::cat({pick(0, 0), pick(1, 0), pick(0, 1), pick(1, 1)}, -1);
      x = downsamples_[i].second->forward(downsamples_[i].first->forward(x));
    }
  }
  return outputs;
}

}  // namespace krait::models
