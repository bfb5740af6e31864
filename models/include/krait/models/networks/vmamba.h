#pragma once
// The VMamba (v0) encoder both Swin-UMamba networks are built on, as copied into SwinUMamba.py /
// SwinUMambaD.py: SS2D four-direction selective scan, VSS blocks, patch embedding and merging. 2D only,
// channels-last (batch, H, W, C) between blocks.
#include "krait/models/ops/layers.h"

namespace krait::models {

class SS2DImpl : public torch::nn::Module, public FullPrecisionModule {
 public:
  explicit SS2DImpl(int64_t dModel, int64_t dState = 16);
  // (B, H, W, d_model) -> the same shape in computeType().
  torch::Tensor forward(const torch::Tensor& x);
  // The official SS2D casts only its scan's inputs to float32: under autocast its projections and convolution run
  // in fp16, and only A_logs, Ds and the delta biases are read as float.
  bool keepsFloat32(const std::string& name, torch::ScalarType type) const override;
  // The type of the projections and the convolution.
  torch::ScalarType computeType() const;

 private:
  int64_t dInner_, dtRank_, dState_;
  Linear inProj_{nullptr}, outProj_{nullptr};
  Conv conv2d_{nullptr};
  LayerNorm outNorm_{nullptr};
  torch::Tensor xProjWeight_, dtProjsWeight_, dtProjsBias_, aLogs_, ds_;
};
TORCH_MODULE(SS2D);

// VSSLayer: `depth` VSS blocks (x + SS2D(LayerNorm(x))), channels-last in and out.
class VSSLayerImpl : public torch::nn::Module {
 public:
  VSSLayerImpl(int64_t dim, int64_t depth, int64_t dState = 16);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  std::vector<std::pair<LayerNorm, SS2D>> blocks_;
};
TORCH_MODULE(VSSLayer);

struct VSSMEncoderOptions {
  int64_t patchSize = 4, inputChannels = 3;
  std::vector<int64_t> depths{2, 2, 9, 2}, dims{96, 192, 384, 768};
  int64_t dState = 16;
};

class VSSMEncoderImpl : public torch::nn::Module {
 public:
  explicit VSSMEncoderImpl(VSSMEncoderOptions options);
  // [input, stage 0 output, ..., last stage output], stage outputs channels-first (B, C, H, W).
  std::vector<torch::Tensor> forward(const torch::Tensor& x);
  const VSSMEncoderOptions& options() const { return options_; }

 private:
  VSSMEncoderOptions options_;
  Conv patchProj_{nullptr};
  LayerNorm patchNorm_{nullptr};
  std::vector<VSSLayer> layers_;
  std::vector<std::pair<LayerNorm, Linear>> downsamples_;  // PatchMerging2D: norm, reduction
};
TORCH_MODULE(VSSMEncoder);

}  // namespace krait::models
