#include "plain_conv_unet.h"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <sstream>

namespace plain_unet {
namespace {

using krait::plugin::inputError;
using krait::plugin::unsupported;
using nlohmann::json;

std::string shapeText(const std::vector<int64_t>& shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "x" : "") + std::to_string(shape[i]);
  return s;
}

template <typename T>
T field(const json& object, const char* key, const std::string& where) {
  if (!object.contains(key)) throw inputError(where + " has no '" + key + "'");
  try {
    return object.at(key).get<T>();
  } catch (const json::exception&) {
    throw inputError(where + ": '" + key + "' has an unexpected type");
  }
}

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<int64_t> ones(int dims) { return std::vector<int64_t>(static_cast<size_t>(dims), 1); }

}  // namespace

Architecture Architecture::fromPlans(const krait::plugin::NetworkSpec& spec) {
  const json c = json::parse(spec.configurationJson, nullptr, false);
  const std::string where = "plans.json configuration '" + spec.configuration + "'";
  if (c.is_discarded() || !c.is_object()) throw inputError(where + " is not a JSON object");
  Architecture a;
  a.inputChannels = spec.inputChannels;
  a.classes = spec.outputChannels;
  if (c.contains("architecture")) {
    // nnU-Net >= 2.4: the network's class and its constructor's keyword arguments.
    const json& arch = c.at("architecture");
    const std::string name = field<std::string>(arch, "network_class_name", where + " architecture");
    if (!endsWith(name, "PlainConvUNet")) throw unsupported(where + " builds " + name + "; this plugin builds PlainConvUNet");
    const json& k = field<json>(arch, "arch_kwargs", where + " architecture");
    const std::string kw = where + " arch_kwargs";
    a.features = field<std::vector<int64_t>>(k, "features_per_stage", kw);
    a.kernels = field<std::vector<std::vector<int64_t>>>(k, "kernel_sizes", kw);
    a.strides = field<std::vector<std::vector<int64_t>>>(k, "strides", kw);
    a.convsEncoder = field<std::vector<int64_t>>(k, "n_conv_per_stage", kw);
    a.convsDecoder = field<std::vector<int64_t>>(k, "n_conv_per_stage_decoder", kw);
    a.convBias = k.value("conv_bias", true);
    const std::string norm = k.value("norm_op", ""), nonlin = k.value("nonlin", "");
    if (norm.find("InstanceNorm") == std::string::npos || nonlin.find("LeakyReLU") == std::string::npos ||
        (k.contains("dropout_op") && !k.at("dropout_op").is_null()))
      throw unsupported(kw + ": only instance norms, leaky ReLUs and no dropout are supported (norm_op " + norm +
                        ", nonlin " + nonlin + ")");
    if (k.contains("norm_op_kwargs") && k.at("norm_op_kwargs").is_object()) {
      if (!k.at("norm_op_kwargs").value("affine", true)) throw unsupported(kw + ": norms without affine parameters");
      a.normEps = k.at("norm_op_kwargs").value("eps", 1e-5);
    }
    if (k.contains("nonlin_kwargs") && k.at("nonlin_kwargs").is_object())
      a.negativeSlope = k.at("nonlin_kwargs").value("negative_slope", 1e-2);
  } else {
    // nnU-Net 2.1.x: flat fields.
    const std::string name = c.value("UNet_class_name", "PlainConvUNet");
    if (name != "PlainConvUNet") throw unsupported(where + " builds " + name + "; this plugin builds PlainConvUNet");
    a.kernels = field<std::vector<std::vector<int64_t>>>(c, "conv_kernel_sizes", where);
    a.strides = field<std::vector<std::vector<int64_t>>>(c, "pool_op_kernel_sizes", where);
    const auto base = field<int64_t>(c, "UNet_base_num_features", where);
    const auto max = field<int64_t>(c, "unet_max_num_features", where);
    for (size_t s = 0; s < a.kernels.size(); ++s) a.features.push_back(std::min(base << s, max));
    a.convsEncoder = field<std::vector<int64_t>>(c, "n_conv_per_stage_encoder", where);
    a.convsDecoder = field<std::vector<int64_t>>(c, "n_conv_per_stage_decoder", where);
  }
  const size_t n = a.kernels.size();
  if (n < 2 || a.strides.size() != n || a.features.size() != n || a.convsEncoder.size() != n || a.convsDecoder.size() + 1 != n)
    throw inputError(where + ": kernels, strides, features and convolutions disagree on the number of stages");
  a.dims = static_cast<int>(a.kernels[0].size());
  if (a.dims != 2 && a.dims != 3) throw unsupported(where + ": " + std::to_string(a.dims) + "D kernels");
  for (size_t s = 0; s < n; ++s)
    if (a.kernels[s].size() != static_cast<size_t>(a.dims) || a.strides[s].size() != static_cast<size_t>(a.dims))
      throw inputError(where + ": stage " + std::to_string(s) + " has kernels or strides of another dimensionality");
  if (a.inputChannels < 1 || a.classes < 1) throw inputError(where + ": no input channels or no classes");
  return a;
}

PlainConvUNet::PlainConvUNet(Architecture architecture) : a_(std::move(architecture)) {
  const size_t n = a_.features.size();
  int64_t in = a_.inputChannels;
  for (size_t s = 0; s < n; ++s) {
    std::vector<ConvNormAct> stage;
    for (int64_t i = 0; i < a_.convsEncoder[s]; ++i) {
      stage.push_back({"encoder.stages." + std::to_string(s) + ".0.convs." + std::to_string(i) + ".", in, a_.features[s],
                       a_.kernels[s], i == 0 ? a_.strides[s] : ones(a_.dims), {}, {}, {}, {}});
      in = a_.features[s];
    }
    encoder_.push_back(stage);
  }
  // Decoder stage s works at encoder stage n-2-s: upsampled from the stage below, concatenated with the skip.
  for (size_t s = 0; s + 1 < n; ++s) {
    const size_t skip = n - 2 - s;
    std::vector<ConvNormAct> stage;
    int64_t channels = 2 * a_.features[skip];
    for (int64_t i = 0; i < a_.convsDecoder[s]; ++i) {
      stage.push_back({"decoder.stages." + std::to_string(s) + ".convs." + std::to_string(i) + ".", channels,
                       a_.features[skip], a_.kernels[skip], ones(a_.dims), {}, {}, {}, {}});
      channels = a_.features[skip];
    }
    decoder_.push_back(stage);
  }
  upWeight_.resize(n - 1);
  upBias_.resize(n - 1);
  segWeight_.resize(n - 1);
  segBias_.resize(n - 1);
}

std::vector<int64_t> PlainConvUNet::tileDivisor() const {
  std::vector<int64_t> divisor = ones(a_.dims);
  for (const auto& stride : a_.strides)
    for (int d = 0; d < a_.dims; ++d) divisor[static_cast<size_t>(d)] *= stride[static_cast<size_t>(d)];
  return divisor;
}

std::vector<PlainConvUNet::Parameter> PlainConvUNet::parameters() {
  std::vector<Parameter> out;
  const auto convNormAct = [&](ConvNormAct& b) {
    std::vector<int64_t> w{b.out, b.in};
    w.insert(w.end(), b.kernel.begin(), b.kernel.end());
    out.push_back({b.prefix + "conv.weight", w, &b.weight});
    if (a_.convBias) out.push_back({b.prefix + "conv.bias", {b.out}, &b.bias});
    out.push_back({b.prefix + "norm.weight", {b.out}, &b.normWeight});
    out.push_back({b.prefix + "norm.bias", {b.out}, &b.normBias});
  };
  for (auto& stage : encoder_)
    for (auto& b : stage) convNormAct(b);
  for (auto& stage : decoder_)
    for (auto& b : stage) convNormAct(b);
  const size_t n = a_.features.size();
  for (size_t s = 0; s + 1 < n; ++s) {
    const std::string i = std::to_string(s);
    std::vector<int64_t> up{a_.features[n - 1 - s], a_.features[n - 2 - s]};  // ConvTranspose: (in, out, *kernel)
    up.insert(up.end(), a_.strides[n - 1 - s].begin(), a_.strides[n - 1 - s].end());
    out.push_back({"decoder.transpconvs." + i + ".weight", up, &upWeight_[s]});
    if (a_.convBias) out.push_back({"decoder.transpconvs." + i + ".bias", {a_.features[n - 2 - s]}, &upBias_[s]});
    std::vector<int64_t> seg{a_.classes, a_.features[n - 2 - s]};
    seg.insert(seg.end(), static_cast<size_t>(a_.dims), 1);
    out.push_back({"decoder.seg_layers." + i + ".weight", seg, &segWeight_[s]});
    out.push_back({"decoder.seg_layers." + i + ".bias", {a_.classes}, &segBias_[s]});
  }
  return out;
}

void PlainConvUNet::load(const std::map<std::string, torch::Tensor>& stateDict) {
  // Each parameter's key, and the alias keys PyTorch also lists for the same tensor.
  std::map<std::string, std::string> aliasOf;
  std::vector<Parameter> params = parameters();
  for (const Parameter& p : params) {
    if (p.key.rfind("encoder.", 0) == 0) aliasOf["decoder." + p.key] = p.key;
    for (const auto& [member, index] : {std::pair{"conv.", "all_modules.0."}, std::pair{"norm.", "all_modules.1."}}) {
      const size_t at = p.key.rfind(member);
      if (at == std::string::npos || p.key.find('.', at + std::strlen(member)) != std::string::npos) continue;
      const std::string alias = p.key.substr(0, at) + index + p.key.substr(at + std::strlen(member));
      aliasOf[alias] = p.key;
      if (p.key.rfind("encoder.", 0) == 0) aliasOf["decoder." + alias] = p.key;
    }
  }
  std::vector<std::string> missing, mismatched, unexpected;
  for (Parameter& p : params) {
    const auto it = stateDict.find(p.key);
    if (it == stateDict.end()) {
      missing.push_back(p.key);
    } else if (it->second.sizes().vec() != p.shape) {
      mismatched.push_back(p.key + " (" + shapeText(it->second.sizes().vec()) + ", expected " + shapeText(p.shape) + ")");
    } else {
      *p.tensor = it->second.to(torch::kFloat32).clone();
    }
  }
  for (const auto& [alias, key] : aliasOf) {
    const auto a = stateDict.find(alias), k = stateDict.find(key);
    if (a == stateDict.end()) missing.push_back(alias);
    else if (k != stateDict.end() && (a->second.sizes() != k->second.sizes() || !torch::equal(a->second, k->second)))
      mismatched.push_back(alias + " (differs from " + key + ")");
  }
  for (const auto& [key, tensor] : stateDict) {
    const bool known = aliasOf.count(key) ||
                       std::any_of(params.begin(), params.end(), [&](const Parameter& p) { return p.key == key; });
    if (!known) unexpected.push_back(key);
  }
  if (missing.empty() && mismatched.empty() && unexpected.empty()) return;
  std::ostringstream message;
  message << "the checkpoint does not fit PlainConvUNet (" << a_.features.size() << " stages, features "
          << shapeText(a_.features) << ")";
  const auto list = [&](const char* what, const std::vector<std::string>& keys) {
    if (keys.empty()) return;
    message << "; " << keys.size() << " " << what << ":";
    for (size_t i = 0; i < keys.size() && i < 5; ++i) message << " " << keys[i];
    if (keys.size() > 5) message << " ...";
  };
  list("missing", missing);
  list("mismatched", mismatched);
  list("unexpected", unexpected);
  throw inputError(message.str());
}

void PlainConvUNet::to(const torch::Device& device, torch::ScalarType type) {
  for (Parameter& p : parameters()) *p.tensor = p.tensor->to(device, type);
}

torch::Tensor PlainConvUNet::block(const ConvNormAct& b, const torch::Tensor& x) const {
  std::vector<int64_t> padding;
  for (int64_t k : b.kernel) padding.push_back((k - 1) / 2);
  torch::Tensor y = at::convolution(x, b.weight, b.bias, b.stride, padding, ones(a_.dims), false, std::vector<int64_t>(padding.size(), 0), 1);
  y = at::instance_norm(y, b.normWeight, b.normBias, {}, {}, true, 0.1, a_.normEps, true);
  return at::leaky_relu_(y, a_.negativeSlope);
}

torch::Tensor PlainConvUNet::forward(const torch::Tensor& input) const {
  const std::vector<int64_t> zero(static_cast<size_t>(a_.dims), 0), one = ones(a_.dims);
  std::vector<torch::Tensor> skips;
  torch::Tensor x = input;
  for (const auto& stage : encoder_) {
    for (const auto& b : stage) x = block(b, x);
    skips.push_back(x);
  }
  const size_t n = a_.features.size();
  torch::Tensor lower = skips.back();
  for (size_t s = 0; s + 1 < n; ++s) {
    x = at::convolution(lower, upWeight_[s], upBias_[s], a_.strides[n - 1 - s], zero, one, true, zero, 1);
    x = torch::cat({x, skips[n - 2 - s]}, 1);
    for (const auto& b : decoder_[s]) x = block(b, x);
    lower = x;
  }
  return at::convolution(lower, segWeight_.back(), segBias_.back(), one, zero, one, false, zero, 1);
}

}  // namespace plain_unet
