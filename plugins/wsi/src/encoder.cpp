#include "encoder.h"

#include <torch/torch.h>

#include <sstream>

#include "encoder_resnet.h"
#include <krait/plugin_weights.hpp>

#include "encoder_torchscript.h"
#include "tfjs_mobilenet.h"

namespace krait::wsi {

EncoderSpec clamResnet50TruncSpec(const std::string& stateDictPath) {
  // torchvision's ImageNet statistics, which CLAM's get_eval_transforms uses for resnet50_trunc.
  return {"resnet50-trunc", stateDictPath, 224, {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}, 1024};
}

EncoderSpec nsfwjsMobilenetV2Spec(const std::string& modelJsonPath) {
  return {"tfjs-mobilenet-v2", modelJsonPath, 224, {0, 0, 0}, {1, 1, 1}, 1280};
}

EncoderSpec standardEncoderSpec(const std::string& kind, const std::string& path) {
  if (kind == "resnet50-trunc") return clamResnet50TruncSpec(path);
  if (kind == "tfjs-mobilenet-v2") return nsfwjsMobilenetV2Spec(path);
  if (kind == "torchscript") return {kind, path, 224, {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}, 0};
  throw std::invalid_argument("unknown encoder kind '" + kind + "' (resnet50-trunc, tfjs-mobilenet-v2 or torchscript)");
}

Encoder::Encoder(int64_t inputSize, const std::array<float, 3>& mean, const std::array<float, 3>& std)
    : inputSize_(inputSize), mean_(mean), std_(std) {
  if (inputSize < 1) throw std::invalid_argument("an encoder's input size must be at least 1 pixel");
  for (float s : std)
    if (!(s > 0)) throw std::invalid_argument("an encoder's normalisation std must be > 0 for every channel");
  meanTensor_ = torch::tensor({mean[0], mean[1], mean[2]}).view({1, 3, 1, 1});
  stdTensor_ = torch::tensor({std[0], std[1], std[2]}).view({1, 3, 1, 1});
}

torch::Tensor Encoder::embed(const torch::Tensor& batch) {
  if (batch.dim() != 4 || batch.size(1) != 3 || batch.size(2) != inputSize_ || batch.size(3) != inputSize_)
    throw std::invalid_argument("an encoder takes (N, 3, " + std::to_string(inputSize_) + ", " +
                                std::to_string(inputSize_) + ") batches, not " + plugin::shapeText(batch.sizes()));
  if (batch.scalar_type() != torch::kFloat32)
    throw std::invalid_argument(std::string("an encoder takes float32 batches, not ") +
                                c10::toString(batch.scalar_type()));
  if (batch.device() != device_)
    throw std::invalid_argument("the batch is on " + batch.device().str() + " but the encoder on " + device_.str());
  if (batch.size(0) == 0) return torch::empty({0, outDim()}, batch.options());
  torch::NoGradGuard noGrad;
  const torch::Tensor features = forward((batch - meanTensor_) / stdTensor_);
  if (features.dim() != 2 || features.size(0) != batch.size(0) || features.size(1) != outDim())
    throw std::invalid_argument("the encoder's network returned " + plugin::shapeText(features.sizes()) + " for " +
                                std::to_string(batch.size(0)) + " patches, not (N, " + std::to_string(outDim()) + ")");
  return features.to(torch::kFloat32);
}

void Encoder::to(torch::Device device) {
  moveNetwork(device);
  meanTensor_ = meanTensor_.to(device);
  stdTensor_ = stdTensor_.to(device);
  // "cuda" names the current GPU, while tensors report theirs with its index (cuda:0): keep what the tensors
  // say, or embed() would refuse every batch moved to "cuda" (as it did on the first GPU run).
  device_ = meanTensor_.device();
}

std::unique_ptr<Encoder> loadEncoder(const EncoderSpec& spec, const StateDictReader& readStateDict) {
  if (spec.outDim < 0) throw std::invalid_argument("an encoder's outDim must be >= 0 (0: the model's own)");
  if (spec.kind == "resnet50-trunc") {
    if (!readStateDict) throw std::invalid_argument("loading a resnet50-trunc encoder needs a state dict reader");
    return std::make_unique<ResNet50TruncEncoder>(spec, readStateDict(spec.path));
  }
  if (spec.kind == "tfjs-mobilenet-v2") return std::make_unique<TfjsEncoder>(spec);
  if (spec.kind == "torchscript") return std::make_unique<TorchScriptEncoder>(spec);
  throw std::invalid_argument("unknown encoder kind '" + spec.kind +
                              "' (known: resnet50-trunc, tfjs-mobilenet-v2, torchscript)");
}

}  // namespace krait::wsi
