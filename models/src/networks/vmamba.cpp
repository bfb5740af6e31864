#include "krait/models/networks/vmamba.h"

#include <torch/torch.h>

#include "krait/models/ops/selective_scan.h"

namespace krait::models {

namespace {
constexpr int64_t kDirections = 4;

// (B, d, W, H)-ordered sequence back to row-major (B, d, H*W).
torch::Tensor columnToRowMajor(const torch::Tensor& y, int64_t h, int64_t w) {
  return y.reshape({y.size(0), y.size(1), w, h}).transpose(2, 3).reshape({y.size(0), y.size(1), h * w});
}
}  // namespace

SS2DImpl::SS2DImpl(int64_t dModel, int64_t dState) : dInner_(2 * dModel), dtRank_((dModel + 15) / 16), dState_(dState) {
  inProj_ = register_module("in_proj", Linear(dModel, 2 * dInner_, false));
  ConvOptions conv = convSame(2, dInner_, dInner_, {3});
  conv.groups = dInner_;
  conv2d_ = register_module("conv2d", Conv(conv));
  xProjWeight_ = registerTensor(*this, "x_proj_weight", {kDirections, dtRank_ + 2 * dState, dInner_});
  dtProjsWeight_ = registerTensor(*this, "dt_projs_weight", {kDirections, dInner_, dtRank_});
  dtProjsBias_ = registerTensor(*this, "dt_projs_bias", {kDirections, dInner_});
  aLogs_ = registerTensor(*this, "A_logs", {kDirections * dInner_, dState});
  ds_ = registerTensor(*this, "Ds", {kDirections * dInner_});
  outNorm_ = register_module("out_norm", LayerNorm(dInner_));
  outProj_ = register_module("out_proj", Linear(dInner_, dModel, false));
}

torch::Tensor SS2DImpl::forward(const torch::Tensor& input) {
  const torch::Tensor x = input.to(torch::kFloat32);
  const int64_t batch = x.size(0), h = x.size(1), w = x.size(2), length = h * w;
  const torch::Tensor xz = inProj_->forward(x);
  const torch::Tensor z = xz.narrow(3, dInner_, dInner_);
  const torch::Tensor xi = torch::silu(conv2d_->forward(xz.narrow(3, 0, dInner_).permute({0, 3, 1, 2})));
  // Four scan orders: row-major, column-major, and both reversed.
  const torch::Tensor rows = xi.reshape({batch, dInner_, length});
  const torch::Tensor cols = xi.transpose(2, 3).reshape({batch, dInner_, length});
  const torch::Tensor xs = torch::stack({rows, cols, rows.flip(-1), cols.flip(-1)}, 1);  // (B, 4, d, L)
  const torch::Tensor xDbl = torch::matmul(xProjWeight_, xs);                            // (B, 4, R + 2N, L)
  const torch::Tensor dts = torch::matmul(dtProjsWeight_, xDbl.narrow(2, 0, dtRank_));  // (B, 4, d, L)
  SelectiveScanInputs scan;
  scan.u = xs.reshape({batch, kDirections * dInner_, length});
  scan.delta = dts.reshape({batch, kDirections * dInner_, length});
  scan.A = -torch::exp(aLogs_);
  scan.B = xDbl.narrow(2, dtRank_, dState_);
  scan.C = xDbl.narrow(2, dtRank_ + dState_, dState_);
  scan.D = ds_;
  scan.deltaBias = dtProjsBias_.reshape({-1});
  scan.deltaSoftplus = true;
  const torch::Tensor out = selectiveScan(scan).reshape({batch, kDirections, dInner_, length});
  const torch::Tensor y = out.select(1, 0) + out.select(1, 2).flip(-1) + columnToRowMajor(out.select(1, 1), h, w) +
                          columnToRowMajor(out.select(1, 3).flip(-1), h, w);
  // The merged scans are normalised before the gate (unlike Mamba, which gates inside the scan).
  const torch::Tensor gated = outNorm_->forward(y.transpose(1, 2).reshape({batch, h, w, dInner_})) * torch::silu(z);
  return outProj_->forward(gated).to(input.scalar_type());
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
  // The norm writes fp32, which SS2D runs in, as autocast's layer_norm gives.
  for (auto& [norm, ss2d] : blocks_) x = x + ss2d->forward(norm->normalize(x, torch::kFloat32)).to(x.scalar_type());
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
