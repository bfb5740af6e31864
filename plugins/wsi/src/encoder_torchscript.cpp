#include "encoder_torchscript.h"

#include <torch/torch.h>

#include <sstream>

namespace krait::wsi {

TorchScriptEncoder::TorchScriptEncoder(const EncoderSpec& spec) : Encoder(spec.inputSize, spec.mean, spec.std) {
  const auto firstLine = [](const c10::Error& e) {
    const std::string why = e.what_without_backtrace();
    return why.substr(0, why.find('\n'));
  };
  try {
    module_ = torch::jit::load(spec.path, torch::kCPU);
  } catch (const c10::Error& e) {
    throw EncoderError(spec.path, "LibTorch 1.13 cannot load it as TorchScript (" + firstLine(e) +
                                      "); a module saved by a newer PyTorch may need re-exporting with torch 1.13");
  }
  module_.eval();
  torch::NoGradGuard noGrad;
  torch::Tensor probe;
  try {
    probe = forward(torch::zeros({1, 3, spec.inputSize, spec.inputSize}));
  } catch (const c10::Error& e) {
    throw EncoderError(spec.path, "fails on a 1 x 3 x " + std::to_string(spec.inputSize) + " x " +
                                      std::to_string(spec.inputSize) + " batch (" + firstLine(e) + ")");
  } catch (const std::invalid_argument& e) {
    throw EncoderError(spec.path, e.what());
  }
  outDim_ = probe.size(1);
  if (spec.outDim != 0 && spec.outDim != outDim_)
    throw EncoderError(spec.path, "gives " + std::to_string(outDim_) + "-d features, not the " +
                                      std::to_string(spec.outDim) + " the encoder spec asks for");
}

torch::Tensor TorchScriptEncoder::forward(const torch::Tensor& normalised) {
  const torch::IValue out = module_.forward({normalised});
  if (!out.isTensor())
    throw std::invalid_argument("the TorchScript module returns a " + out.tagKind() + ", not a tensor");
  const torch::Tensor features = out.toTensor();
  bool perPatch = features.dim() >= 2 && features.size(0) == normalised.size(0);
  for (int64_t d = 2; d < features.dim(); ++d) perPatch = perPatch && features.size(d) == 1;
  if (!perPatch) {
    std::ostringstream s;
    s << "the TorchScript module returns " << features.sizes() << " for " << normalised.size(0)
      << " patches, not one feature vector per patch ((N, D) or (N, D, 1, 1))";
    throw std::invalid_argument(s.str());
  }
  return features.flatten(1);
}

}  // namespace krait::wsi
