#pragma once
// mamba_ssm's Mamba block (mamba_simple.py, v1.2.0) as the three networks build it: d_state 16, d_conv 4,
// expand 2, dt_rank ceil(d_model / 16), no in/out projection biases.
#include "krait/models/ops/layers.h"

namespace krait::models {

class MambaImpl : public torch::nn::Module {
 public:
  explicit MambaImpl(int64_t dModel, int64_t dState = 16, int64_t dConv = 4, int64_t expand = 2);
  // (batch, tokens, d_model) -> (batch, tokens, d_model), in the type of the projections' weights (fp32, or
  // fp16/bf16 as autocast runs LightM-UNet's), which `hidden` must have; the scan's state is fp32 either way.
  torch::Tensor forward(const torch::Tensor& hidden);
  // The parameters mamba_simple.py reads as float (A_log, D, the delta bias) whatever autocast does.
  static bool readsAsFloat32(const std::string& name) { return name == "A_log" || name == "D" || name == "dt_proj.bias"; }

 private:
  int64_t dInner_, dtRank_, dState_, dConv_;
  torch::Tensor aLog_, d_;
  Linear inProj_{nullptr}, xProj_{nullptr}, dtProj_{nullptr}, outProj_{nullptr};
  Conv conv1d_{nullptr};
};
TORCH_MODULE(Mamba);

// SiLU of Mamba's causal depthwise convolution (kernel K, padding K - 1, the first L outputs kept), on
// channels-last tokens: x (batch, L, channels) -> (batch, L, channels). `conv` is the layer's 1D depthwise Conv.
// LibTorch 1.13 runs this depthwise conv1d through a generic path at ~0.1 GFLOP/s, a quarter of LightM-UNet's
// CPU time; the CPU fp32 kernel here reads each token's K neighbours once, vectorised over channels. CUDA fp32,
// fp16 and bf16 tensors take a kernel that reads them in place (no transposes) in CUDA builds.
torch::Tensor causalConv1dSilu(const torch::Tensor& x, ConvImpl& conv);

}  // namespace krait::models
