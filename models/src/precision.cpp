#include "krait/models/precision.h"

#include <torch/torch.h>

#include <algorithm>
#include <string>
#include <vector>

#include "krait/core/error.h"
#include "krait/models/layers.h"

namespace krait::models {

Precision parsePrecision(const std::string& text) {
  if (text == "fp32") return Precision::Float32;
  if (text == "fp16") return Precision::Float16;
  if (text == "bf16") return Precision::BFloat16;
  throw Error(ErrorKind::Usage, "--precision must be fp32, fp16 or bf16, not '" + text + "'");
}

const char* precisionName(Precision precision) {
  switch (precision) {
    case Precision::Float16: return "fp16";
    case Precision::BFloat16: return "bf16";
    case Precision::Float32: break;
  }
  return "fp32";
}

torch::ScalarType scalarType(Precision precision) {
  switch (precision) {
    case Precision::Float16: return torch::kFloat16;
    case Precision::BFloat16: return torch::kBFloat16;
    case Precision::Float32: break;
  }
  return torch::kFloat32;
}

void convertNetwork(Network& network, Precision precision) { convertNetwork(network, scalarType(precision)); }

void convertNetwork(Network& network, torch::ScalarType type) {
  // Key prefixes of FullPrecisionModules, and of the norms: their affine parameters stay fp32 (as under
  // autocast, which converts no parameter), which is what the norm kernels take.
  std::vector<std::string> fullPrecision;
  for (const auto& m : network.named_modules()) {
    const torch::nn::Module* module = m.value().get();
    if (dynamic_cast<const FullPrecisionModule*>(module) != nullptr || dynamic_cast<const GroupNormImpl*>(module) != nullptr ||
        dynamic_cast<const LayerNormImpl*>(module) != nullptr)
      fullPrecision.push_back(m.key() + ".");
  }
  torch::NoGradGuard noGrad;
  for (auto& p : network.named_parameters()) {
    const bool keep = std::any_of(fullPrecision.begin(), fullPrecision.end(),
                                  [&](const std::string& prefix) { return p.key().rfind(prefix, 0) == 0; });
    const torch::ScalarType want = keep ? torch::kFloat32 : type;
    if (p.value().scalar_type() != want) p.value().set_data(p.value().to(want));
  }
}

void useChannelsLast(Network& network) {
  torch::NoGradGuard noGrad;
  for (auto& p : network.parameters()) {
    const auto format = p.dim() == 5 ? torch::MemoryFormat::ChannelsLast3d : torch::MemoryFormat::ChannelsLast;
    // Through a fresh channels-last tensor: contiguous() keeps the strides of a weight with one input channel
    // (the stem's), which is channels-last in name only, and cuDNN would then give a channels-first output.
    if (p.dim() == 4 || p.dim() == 5) p.set_data(torch::empty(p.sizes(), p.options().memory_format(format)).copy_(p));
  }
}

}  // namespace krait::models
