#pragma once
// mamba_ssm's Mamba block (mamba_simple.py, v1.2.0) as the three networks build it: d_state 16, d_conv 4,
// expand 2, dt_rank ceil(d_model / 16), no in/out projection biases.
#include "krait/models/layers.h"

namespace krait::models {

class MambaImpl : public torch::nn::Module {
 public:
  explicit MambaImpl(int64_t dModel, int64_t dState = 16, int64_t dConv = 4, int64_t expand = 2);
  // (batch, tokens, d_model) -> (batch, tokens, d_model), fp32.
  torch::Tensor forward(const torch::Tensor& hidden);

 private:
  int64_t dInner_, dtRank_, dState_, dConv_;
  torch::Tensor aLog_, d_;
  Linear inProj_{nullptr}, xProj_{nullptr}, dtProj_{nullptr}, outProj_{nullptr};
  Conv conv1d_{nullptr};
};
TORCH_MODULE(Mamba);

}  // namespace krait::models
