// Patch feature encoders: a network that turns RGB patches into one feature vector each (CLAM's "feature
// extraction" step, plugins.md section 5.1). Three kinds: CLAM's resnet50_trunc (encoder_resnet.h), a Keras model
// saved by TensorFlow.js such as nsfwjs' MobileNetV2 (tfjs_mobilenet.h), and any TorchScript module
// (encoder_torchscript.h). All take RGB in [0, 1] and normalise it themselves, so that the mean and std a model
// was trained with travel with the model and no caller applies them twice.
#pragma once

#include <torch/types.h>

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

namespace krait::wsi {

// A model file that cannot be used as an encoder; what() names the file and the reason.
class EncoderError : public std::runtime_error {
 public:
  EncoderError(const std::string& path, const std::string& why) : std::runtime_error(path + ": " + why), path_(path) {}
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// What loadEncoder builds. Nothing has a default that could hide a mistake: std must be set (> 0) even for a
// model that wants none (then 1, 1, 1), and inputSize must be set.
struct EncoderSpec {
  std::string kind;             // "resnet50-trunc", "tfjs-mobilenet-v2" or "torchscript"
  std::string path;             // the state dict, the TF.js model.json, or the TorchScript file
  int64_t inputSize = 0;        // patches are resized to inputSize x inputSize before embedding
  std::array<float, 3> mean{};  // per RGB channel, applied to [0, 1] values: (x - mean) / std
  std::array<float, 3> std{};
  int64_t outDim = 0;  // the feature size the caller expects; 0 = whatever the model gives
};

// CLAM's default encoder: resnet50_trunc (timm resnet50.tv_in1k, i.e. torchvision's ImageNet weights) at 224 px
// with ImageNet normalisation, 1024-d.
EncoderSpec clamResnet50TruncSpec(const std::string& stateDictPath);
// nsfwjs' MobileNetV2 (TF.js layers model): 224 px, pixels / 255 and no mean/std (nsfwjs' NSFWJS.infer), 1280-d.
EncoderSpec nsfwjsMobilenetV2Spec(const std::string& modelJsonPath);
// The spec of a kind with its standard input: the two above, or a TorchScript module at 224 px with ImageNet
// normalisation (the output size asked of the model). Throws std::invalid_argument for another kind.
EncoderSpec standardEncoderSpec(const std::string& kind, const std::string& path);

class Encoder {
 public:
  virtual ~Encoder() = default;
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;

  virtual int64_t outDim() const = 0;
  int64_t inputSize() const { return inputSize_; }
  const std::array<float, 3>& mean() const { return mean_; }
  const std::array<float, 3>& std() const { return std_; }
  torch::Device device() const { return device_; }

  // batch: (N, 3, inputSize, inputSize) float32 RGB in [0, 1] on device() -> (N, outDim) float32 on device(),
  // without autograd. Normalises with mean/std first. Throws std::invalid_argument for another shape, type or
  // device, or if the network returns another shape.
  torch::Tensor embed(const torch::Tensor& batch);
  // Moves the network (and the normalisation constants) to `device`.
  void to(torch::Device device);

 protected:
  // Throws std::invalid_argument for inputSize < 1 or a std that is not > 0.
  Encoder(int64_t inputSize, const std::array<float, 3>& mean, const std::array<float, 3>& std);
  // The network on a normalised batch (already checked); returns (N, outDim) or what flattens to it.
  virtual torch::Tensor forward(const torch::Tensor& normalised) = 0;
  virtual void moveNetwork(torch::Device device) = 0;

 private:
  int64_t inputSize_;
  std::array<float, 3> mean_, std_;
  torch::Tensor meanTensor_, stdTensor_;  // (1, 3, 1, 1) on device_
  torch::Device device_ = torch::kCPU;
};

// Reads a PyTorch state dict file (a torch.save'd dict of tensors) into names -> tensors; the plugin's reader is
// passed in so that this module does not fix the file format. Throws for a file it cannot read.
using StateDictReader = std::function<std::map<std::string, torch::Tensor>(const std::string& path)>;

// Builds the encoder `spec` names, on the CPU. readStateDict is called (only) for "resnet50-trunc". Throws
// EncoderError naming spec.path for a model that cannot be loaded or does not give spec.outDim features or take
// spec.inputSize inputs, std::invalid_argument for an unknown kind or invalid sizes.
std::unique_ptr<Encoder> loadEncoder(const EncoderSpec& spec, const StateDictReader& readStateDict);

}  // namespace krait::wsi
