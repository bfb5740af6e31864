// krait/plugin_mamba.hpp: one scan branch of a Mamba mixer for plugins written with LibTorch, computed as
// mamba_ssm's fast path (mamba_inner_fn_no_out_proj) computes it: a causal depthwise conv with SiLU, x_proj into
// (dt, B, C), dt_proj's weight (its bias goes to the scan as delta_bias, softplus inside), the selective scan with
// the z gate. Mixers differ only in how they order xz for each branch and combine the branches (Vim's bimamba v2
// flips, MambaMIL's SRMamba re-orders, both before out_proj), so a plugin builds them from this.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <krait/plugin_scan.hpp>

#include <functional>
#include <string>

namespace krait::plugin {

// The scan a branch runs: in a plugin, selectiveScan(host, ...) of plugin_scan.hpp; in its tests, Krait's own.
using ScanFunction = std::function<at::Tensor(const ScanInputs&)>;

class MambaBranch {
 public:
  MambaBranch() = default;
  // Registers the branch's parameters on `owner` under mamba_ssm's names with `suffix` ("" for the first branch,
  // "_b" for the second): conv1d<s>, x_proj<s>, dt_proj<s>, A<s>_log, D<s>. Values are meaningless until loaded.
  MambaBranch(torch::nn::Module& owner, const std::string& suffix, int64_t dInner, int64_t dState, int64_t dConv,
              int64_t dtRank, bool convBias = true)
      : dInner_(dInner), dState_(dState), dtRank_(dtRank) {
    namespace nn = torch::nn;
    // Depthwise and causal: padded by d_conv - 1 on both sides, the last d_conv - 1 outputs dropped.
    conv_ = owner.register_module("conv1d" + suffix,
                                  nn::Conv1d(nn::Conv1dOptions(dInner, dInner, dConv).groups(dInner).padding(dConv - 1).bias(convBias)));
    xProj_ = owner.register_module("x_proj" + suffix, nn::Linear(nn::LinearOptions(dInner, dtRank + 2 * dState).bias(false)));
    dtProj_ = owner.register_module("dt_proj" + suffix, nn::Linear(dtRank, dInner));
    ALog_ = owner.register_parameter("A" + suffix + "_log", torch::zeros({dInner, dState}));
    D_ = owner.register_parameter("D" + suffix, torch::zeros({dInner}));
  }

  // xz: (batch, 2 d_inner, length), x then z, as in_proj makes it -> (batch, d_inner, length), before out_proj.
  at::Tensor forward(const at::Tensor& xz, const ScanFunction& scan) {
    const int64_t length = xz.size(2);
    const at::Tensor x = torch::silu(conv_->forward(xz.narrow(1, 0, dInner_)).narrow(2, 0, length));
    const at::Tensor dbl = xProj_->forward(x.transpose(1, 2));  // (batch, length, dt_rank + 2 d_state)
    const at::Tensor delta = torch::matmul(dtProj_->weight, dbl.narrow(2, 0, dtRank_).transpose(1, 2));
    ScanInputs in;  // member by member: the SDK is C++17
    in.u = x;
    in.delta = delta;
    in.A = -torch::exp(ALog_);
    in.B = dbl.narrow(2, dtRank_, dState_).transpose(1, 2);
    in.C = dbl.narrow(2, dtRank_ + dState_, dState_).transpose(1, 2);
    in.D = D_;
    in.z = xz.narrow(1, dInner_, dInner_);
    in.deltaBias = dtProj_->bias;
    in.deltaSoftplus = true;
    return scan(in);
  }

 private:
  int64_t dInner_ = 0, dState_ = 0, dtRank_ = 0;
  torch::nn::Conv1d conv_{nullptr};
  torch::nn::Linear xProj_{nullptr}, dtProj_{nullptr};
  at::Tensor ALog_, D_;
};

}  // namespace krait::plugin
