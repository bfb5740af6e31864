// A Keras functional model saved by TensorFlow.js as a "layers-model" — model.json (the Keras topology and a
// weights manifest) plus binary weight shards — evaluated with LibTorch. Written for nsfwjs' MobileNetV2
// (CATALOGUE.md: the only real, redistributable ImageNet-style CNN among the test data), so it implements the
// layers that model uses: InputLayer, ZeroPadding2D, Conv2D, DepthwiseConv2D, BatchNormalization, ReLU,
// Activation, Add, AveragePooling2D, GlobalAveragePooling2D, Flatten, Dense, Dropout. Any other layer, layer
// option or weight encoding is refused by name, never approximated.
//
// Layouts: Keras is NHWC; here images are NCHW (the input is the Keras input transposed) and kernels are
// converted once at load (Conv2D HWIO -> OIHW, DepthwiseConv2D HW C M -> (C M) 1 H W, output channel c M + m as
// TensorFlow orders it). Padding "same" is TensorFlow's: when the total is odd the extra row/column goes at the
// bottom/right. Flatten flattens in NHWC order, as Keras does.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "encoder.h"

namespace krait::wsi {

class TfjsLayersModel {
 public:
  // Reads model.json and the shards its manifest names (next to it). Quantized weights are dequantized as
  // TF.js does (uint8/uint16: float32(q * scale + min), computed in double; float16: converted). Throws
  // EncoderError naming the file for anything it cannot read or evaluate exactly: a missing, short or long shard,
  // an unknown layer class or option, a weight that is missing, misshapen or used by no layer.
  explicit TfjsLayersModel(const std::string& modelJsonPath);

  // The input's batch_input_shape: height, width, channels (0 where the model leaves it open).
  int64_t inputHeight() const { return inputShape_[0]; }
  int64_t inputWidth() const { return inputShape_[1]; }
  int64_t inputChannels() const { return inputShape_[2]; }
  // Layer names in evaluation order, the model's output layer, and the layer that feeds `layer`.
  std::vector<std::string> layerNames() const;
  const std::string& outputLayer() const { return layers_[outputIndex_].name; }
  const std::string& inputOf(const std::string& layer) const;
  // The first layer of a class ("" if none).
  std::string firstLayerOfClass(const std::string& className) const;

  // input: (N, C, H, W) float32 on the model's device -> the outputs of the named layers, in that order: images
  // (N, C, H, W), vectors (N, F). Evaluates only the layers they need and frees each intermediate after its last
  // use. Throws std::invalid_argument for an unknown layer or an input of another shape.
  std::vector<torch::Tensor> run(const torch::Tensor& input, const std::vector<std::string>& outputs) const;

  void to(torch::Device device);

 private:
  struct Layer {
    std::string name, className;
    std::vector<size_t> inputs;          // indices of the layers whose outputs this one takes
    std::vector<torch::Tensor> weights;  // in the layout `apply` expects
    std::function<torch::Tensor(const std::vector<torch::Tensor>& in, const std::vector<torch::Tensor>& w)> apply;
    // A convolution without activation: the same convolution with other weights {OIHW kernel, bias}, so that a
    // following batch norm can be folded into it. Empty for other layers.
    std::function<torch::Tensor(const torch::Tensor& x, const std::vector<torch::Tensor>& w)> linearConv;
    double batchNormEps = 0;  // a BatchNormalization's epsilon
  };
  void foldBatchNorms();
  size_t indexOf(const std::string& layer) const;

  std::vector<Layer> layers_;
  std::vector<size_t> lastUse_;  // the last layer that reads each layer's output
  size_t outputIndex_ = 0;
  int64_t inputShape_[3] = {0, 0, 0};
};

// An encoder from a TF.js layers model: the feature is the input of the model's first Dense layer, i.e. the
// backbone's pooled output before the classification head (nsfwjs MobileNetV2: "flatten_1", 1280-d, the
// global average of "out_relu"). spec.inputSize must be the model's input size (its AveragePooling2D is sized
// for it).
class TfjsEncoder : public Encoder {
 public:
  // Throws EncoderError naming spec.path for a model without a Dense layer, an input size it does not take, or
  // a feature size other than spec.outDim (when not 0).
  explicit TfjsEncoder(const EncoderSpec& spec);
  int64_t outDim() const override { return outDim_; }
  const std::string& featureLayer() const { return featureLayer_; }
  const TfjsLayersModel& model() const { return model_; }

 private:
  torch::Tensor forward(const torch::Tensor& normalised) override { return model_.run(normalised, {featureLayer_})[0]; }
  void moveNetwork(torch::Device device) override { model_.to(device); }
  TfjsLayersModel model_;
  std::string featureLayer_;
  int64_t outDim_ = 0;
};

}  // namespace krait::wsi
