#pragma once
// nnU-Net's default network, dynamic_network_architectures' PlainConvUNet, as nnUNetTrainer builds it from the
// plans (build_network_architecture -> get_network_from_plans), in LibTorch functions: per stage n x
// (convolution -> instance norm -> leaky ReLU), the first convolution of an encoder stage strided; the decoder
// upsamples with transposed convolutions, concatenates the skip and convolves; the full-resolution
// segmentation layer gives the logits (deep supervision off, as the predictor runs it).
#include <torch/types.h>

#include <map>
#include <string>
#include <vector>

#include <krait/plugin.hpp>

namespace plain_unet {

struct Architecture {
  int dims = 3;
  int64_t inputChannels = 1, classes = 2;
  std::vector<int64_t> features;                       // per stage
  std::vector<std::vector<int64_t>> kernels, strides;  // per stage, dims entries each
  std::vector<int64_t> convsEncoder;                   // per stage
  std::vector<int64_t> convsDecoder;                   // per decoder stage (stages - 1)
  bool convBias = true;
  double normEps = 1e-5;
  double negativeSlope = 1e-2;

  // From nnU-Net 2.1.1's flat configuration fields or >= 2.4's architecture.arch_kwargs; throws
  // krait::plugin::Failure for anything but a PlainConvUNet with instance norms and leaky ReLUs.
  static Architecture fromPlans(const krait::plugin::NetworkSpec& spec);
};

class PlainConvUNet {
 public:
  explicit PlainConvUNet(Architecture architecture);
  const Architecture& architecture() const { return a_; }
  // A tile's edges must be multiples of the product of the strides along each axis.
  std::vector<int64_t> tileDivisor() const;
  // Strict, as load_state_dict(strict=True): every key of the official module (aliases included: each
  // convolution and norm also under all_modules.0/1, the encoder also under decoder.encoder), nothing else,
  // the official shapes; aliases must hold the same values. Throws krait::plugin::Failure naming the keys.
  void load(const std::map<std::string, torch::Tensor>& stateDict);
  void to(const torch::Device& device, torch::ScalarType type);
  torch::Tensor forward(const torch::Tensor& x) const;

 private:
  struct ConvNormAct {
    std::string prefix;  // state_dict key of the block, e.g. "encoder.stages.1.0.convs.0."
    int64_t in = 0, out = 0;
    std::vector<int64_t> kernel, stride;
    torch::Tensor weight, bias, normWeight, normBias;
  };
  struct Parameter {
    std::string key;
    std::vector<int64_t> shape;
    torch::Tensor* tensor;
  };
  std::vector<Parameter> parameters();
  torch::Tensor block(const ConvNormAct& b, const torch::Tensor& x) const;

  Architecture a_;
  std::vector<std::vector<ConvNormAct>> encoder_, decoder_;
  std::vector<torch::Tensor> upWeight_, upBias_;
  std::vector<torch::Tensor> segWeight_, segBias_;
};

}  // namespace plain_unet
