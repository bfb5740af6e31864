#include "encoder_resnet.h"

#include <torch/torch.h>

#include <krait/plugin_weights.hpp>

#include <sstream>
#include <vector>

namespace krait::wsi {
namespace {

namespace nn = torch::nn;

nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(false));
}

// torchvision's Bottleneck: 1x1 (planes) -> 3x3 (planes, stride) -> 1x1 (4 planes), each followed by a batch
// norm, ReLU after the first two and after the residual sum; "downsample" (1x1 conv with the stride + batch norm)
// on the shortcut when the shape changes.
class Bottleneck : public nn::Module {
 public:
  Bottleneck(int64_t inplanes, int64_t planes, int64_t stride)
      : conv1_(register_module("conv1", conv(inplanes, planes, 1, 1, 0))),
        bn1_(register_module("bn1", nn::BatchNorm2d(planes))),
        conv2_(register_module("conv2", conv(planes, planes, 3, stride, 1))),
        bn2_(register_module("bn2", nn::BatchNorm2d(planes))),
        conv3_(register_module("conv3", conv(planes, 4 * planes, 1, 1, 0))),
        bn3_(register_module("bn3", nn::BatchNorm2d(4 * planes))) {
    if (stride != 1 || inplanes != 4 * planes)
      downsample_ = register_module(
          "downsample", nn::Sequential(conv(inplanes, 4 * planes, 1, stride, 0), nn::BatchNorm2d(4 * planes)));
  }

  torch::Tensor forward(const torch::Tensor& x) {
    const torch::Tensor identity = downsample_ ? downsample_->forward(x) : x;
    torch::Tensor out = torch::relu(bn1_->forward(conv1_->forward(x)));
    out = torch::relu(bn2_->forward(conv2_->forward(out)));
    return torch::relu(bn3_->forward(conv3_->forward(out)) + identity);
  }

 private:
  nn::Conv2d conv1_;
  nn::BatchNorm2d bn1_;
  nn::Conv2d conv2_;
  nn::BatchNorm2d bn2_;
  nn::Conv2d conv3_;
  nn::BatchNorm2d bn3_;
  nn::Sequential downsample_{nullptr};
};

nn::Sequential layer(int64_t inplanes, int64_t planes, int64_t blocks, int64_t stride) {
  nn::Sequential s;
  s->push_back(Bottleneck(inplanes, planes, stride));
  for (int64_t b = 1; b < blocks; ++b) s->push_back(Bottleneck(4 * planes, planes, 1));
  return s;
}

}  // namespace

ResNet50Trunc::ResNet50Trunc()
    : conv1_(register_module("conv1", conv(3, 64, 7, 2, 3))),
      bn1_(register_module("bn1", nn::BatchNorm2d(64))),
      layer1_(register_module("layer1", layer(64, 64, 3, 1))),
      layer2_(register_module("layer2", layer(256, 128, 4, 2))),
      layer3_(register_module("layer3", layer(512, 256, 6, 2))) {
  eval();
}

void ResNet50Trunc::loadStateDict(const std::map<std::string, torch::Tensor>& stateDict) {
  // torchvision's original resnet50 file predates num_batches_tracked (unused in eval mode); a full ResNet's
  // layer4 and fc are past the truncation.
  plugin::loadStateDictStrict(*this, stateDict, "the state dict is not torchvision's ResNet-50 (up to layer3)",
                              {.mayBeMissing = [](const std::string& key) { return key.ends_with(".num_batches_tracked"); },
                               .mayBeExtra = [](const std::string& key) { return key.starts_with("layer4.") || key.starts_with("fc."); }});
}

torch::Tensor ResNet50Trunc::forward(const torch::Tensor& x) {
  // oneDNN's convolutions run faster on channels-last images (about 1.3x for this network on a 2-core CPU).
  torch::Tensor y = x.contiguous(torch::MemoryFormat::ChannelsLast);
  y = torch::max_pool2d(torch::relu(bn1_->forward(conv1_->forward(y))), 3, 2, 1);
  y = layer3_->forward(layer2_->forward(layer1_->forward(y)));
  return torch::adaptive_avg_pool2d(y, {1, 1}).flatten(1);
}

ResNet50TruncEncoder::ResNet50TruncEncoder(const EncoderSpec& spec,
                                           const std::map<std::string, torch::Tensor>& stateDict)
    : Encoder(spec.inputSize, spec.mean, spec.std) {
  if (spec.outDim != 0 && spec.outDim != 1024)
    throw EncoderError(spec.path, "resnet50-trunc gives 1024-d features, not the " + std::to_string(spec.outDim) +
                                      " the encoder spec asks for");
  try {
    network_->loadStateDict(stateDict);
  } catch (const std::invalid_argument& e) {
    throw EncoderError(spec.path, e.what());
  }
}

}  // namespace krait::wsi
