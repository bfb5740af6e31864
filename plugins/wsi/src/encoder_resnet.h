// CLAM's default patch encoder, resnet50_trunc: timm's resnet50.tv_in1k with features_only=True,
// out_indices=(3,) — torchvision's ResNet-50 (v1.5: the stride on the 3 x 3 conv) up to layer3, 1024 channels at
// 1/16 resolution — then AdaptiveAvgPool2d(1): a 1024-d feature. Parameter names are torchvision's (and timm's,
// which are the same), so that torchvision's resnet50 ImageNet checkpoint loads as it is.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>

#include <map>
#include <string>

#include "encoder.h"

namespace krait::wsi {

class ResNet50Trunc : public torch::nn::Module {
 public:
  // Float32 parameters, meaningless until loadStateDict; in eval mode (batch norms use running statistics).
  ResNet50Trunc();

  // Strict, as PyTorch's load_state_dict(strict=True): every parameter and buffer of conv1, bn1 and layer1 to
  // layer3, of its shape. Two exceptions, both of a full torchvision checkpoint: keys starting with exactly
  // "layer4." or "fc." (the part of ResNet-50 that resnet50_trunc cuts off) are ignored, and a missing
  // "*.num_batches_tracked" is accepted — torchvision's original resnet50 file predates that buffer, PyTorch
  // itself accepts its absence, and it has no effect in eval mode. Throws std::invalid_argument naming the
  // missing, unexpected and misshapen keys (and then changes nothing).
  void loadStateDict(const std::map<std::string, torch::Tensor>& stateDict);

  // (N, 3, H, W) normalised RGB -> (N, 1024).
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv1_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr};
  torch::nn::Sequential layer1_{nullptr}, layer2_{nullptr}, layer3_{nullptr};
};

class ResNet50TruncEncoder : public Encoder {
 public:
  // spec.outDim must be 0 or 1024. Throws EncoderError naming spec.path for a state dict that does not fit.
  ResNet50TruncEncoder(const EncoderSpec& spec, const std::map<std::string, torch::Tensor>& stateDict);
  int64_t outDim() const override { return 1024; }

 private:
  torch::Tensor forward(const torch::Tensor& normalised) override { return network_->forward(normalised); }
  void moveNetwork(torch::Device device) override { network_->to(device); }
  std::shared_ptr<ResNet50Trunc> network_ = std::make_shared<ResNet50Trunc>();
};

}  // namespace krait::wsi
