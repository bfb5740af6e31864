#include "krait/models/ops/autograd.h"
#include "krait/models/ops/layers.h"

#include <torch/torch.h>

#include <stdexcept>

#ifdef KRAIT_WITH_CUDA
#include "cuda/token_ops_tensors.h"
#endif

namespace krait::models {

std::vector<int64_t> perAxis(const std::vector<int64_t>& values, int dims) {
  if (values.size() == static_cast<size_t>(dims)) return values;
  if (values.size() == 1) return std::vector<int64_t>(static_cast<size_t>(dims), values[0]);
  throw std::invalid_argument("expected 1 or " + std::to_string(dims) + " per-axis values, got " +
                              std::to_string(values.size()));
}

bool isAutocastType(torch::ScalarType type) { return type == torch::kFloat16 || type == torch::kBFloat16; }

ConvImpl::ConvImpl(ConvOptions options) : options_(std::move(options)) {
  auto& o = options_;
  o.kernel = perAxis(o.kernel, o.dims);
  o.stride = perAxis(o.stride, o.dims);
  o.padding = perAxis(o.padding, o.dims);
  std::vector<int64_t> shape = o.transposed ? std::vector<int64_t>{o.in, o.out / o.groups}
                                            : std::vector<int64_t>{o.out, o.in / o.groups};
  shape.insert(shape.end(), o.kernel.begin(), o.kernel.end());
  weight_ = registerTensor(*this, "weight", shape);
  if (o.bias) bias_ = registerTensor(*this, "bias", {o.out});
}

bool ConvImpl::addsBias(const torch::Tensor& x, bool withBias) const {
  return bias_.defined() && (withBias || recordsGradient({x, weight_, bias_}));
}

torch::Tensor ConvImpl::forward(const torch::Tensor& x, bool withBias) {
  const auto& o = options_;
  const torch::Tensor bias = addsBias(x, withBias) ? bias_ : torch::Tensor();
  if (o.transposed) {
    switch (o.dims) {
      case 2: return torch::conv_transpose2d(x, weight_, bias, o.stride, o.padding, 0, o.groups);
      case 3: return torch::conv_transpose3d(x, weight_, bias, o.stride, o.padding, 0, o.groups);
      default: break;
    }
  } else {
    switch (o.dims) {
      case 1: return torch::conv1d(x, weight_, bias, o.stride, o.padding, 1, o.groups);
      case 2: return torch::conv2d(x, weight_, bias, o.stride, o.padding, 1, o.groups);
      case 3: return torch::conv3d(x, weight_, bias, o.stride, o.padding, 1, o.groups);
      default: break;
    }
  }
  throw std::invalid_argument("unsupported convolution dimensionality " + std::to_string(o.dims));
}

ConvOptions convSame(int dims, int64_t in, int64_t out, const std::vector<int64_t>& kernel,
                     const std::vector<int64_t>& stride, bool bias) {
  ConvOptions o;
  o.dims = dims;
  o.in = in;
  o.out = out;
  o.kernel = perAxis(kernel, dims);
  o.stride = stride;
  o.padding.clear();
  for (const int64_t k : o.kernel) o.padding.push_back(k / 2);
  o.bias = bias;
  return o;
}

LinearImpl::LinearImpl(int64_t in, int64_t out, bool bias) {
  weight_ = registerTensor(*this, "weight", {out, in});
  if (bias) bias_ = registerTensor(*this, "bias", {out});
}

torch::Tensor linearTokens(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  const auto float32Cpu = [](const torch::Tensor& t) {
    return !t.defined() || (t.device().is_cpu() && t.scalar_type() == torch::kFloat32);
  };
  const bool records = recordsGradient({x, weight, bias});
  const int64_t in = weight.size(1), out = weight.size(0);
  const int64_t rows = x.dim() > 0 && x.size(-1) == in && in > 0 ? x.numel() / in : 0;
  if (records || rows < kConvolvedLinearRows || !float32Cpu(x) || !float32Cpu(weight) || !float32Cpu(bias))
    return torch::linear(x, weight, bias);
  // The tokens as the pixels of a (1, in, rows, 1) image: channels-last for rows of contiguous features, a
  // plain image for a transposed (feature-major) input, either a view. The result has contiguous rows, as
  // torch::linear's does (a copy only after a feature-major input, whose output oneDNN writes feature-major).
  const torch::Tensor image = x.reshape({1, rows, 1, in}).permute({0, 3, 1, 2});
  const torch::Tensor y = torch::conv2d(image, weight.reshape({out, in, 1, 1}), bias);
  std::vector<int64_t> sizes = x.sizes().vec();
  sizes.back() = out;
  return y.permute({0, 2, 3, 1}).reshape(sizes).contiguous();
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) { return linearTokens(x, weight_, bias_); }

LayerNormImpl::LayerNormImpl(int64_t channels) : channels_(channels) {
  weight_ = registerTensor(*this, "weight", {channels});
  bias_ = registerTensor(*this, "bias", {channels});
}

torch::Tensor LayerNormImpl::normalize(const torch::Tensor& x, torch::ScalarType out) {
  if (recordsGradient({x, weight_, bias_})) {
    const auto type = x.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
    return torch::layer_norm(x.to(type), {channels_}, weight_.to(type), bias_.to(type), 1e-5).to(out);
  }
#ifdef KRAIT_WITH_CUDA
  if (torch::Tensor y = layerNormCuda(x, weight_, bias_, 1e-5, out); y.defined()) return y;
#endif
  if (x.scalar_type() == torch::kFloat32 && weight_.scalar_type() == torch::kFloat32)
    return torch::layer_norm(x, {channels_}, weight_, bias_, 1e-5).to(out);
  // Reduced precision: in fp32, as autocast runs layer_norm (and LibTorch 1.13's CPU kernel needs it).
  return torch::layer_norm(x.to(torch::kFloat32), {channels_}, weight_.to(torch::kFloat32), bias_.to(torch::kFloat32), 1e-5)
      .to(out);
}

GroupNormImpl::GroupNormImpl(int64_t groups, int64_t channels, bool affine) : groups_(groups) {
  if (channels % groups != 0)
    throw std::invalid_argument("GroupNorm: " + std::to_string(channels) + " channels do not split into " +
                                std::to_string(groups) + " groups");
  if (affine) {
    weight_ = registerTensor(*this, "weight", {channels});
    bias_ = registerTensor(*this, "bias", {channels});
  }
}

torch::Tensor GroupNormImpl::forward(const torch::Tensor& x, double slope) {
  if (recordsGradient({x, weight_, bias_})) return normalizedGroups(x, groups_, weight_, bias_, slope);
  torch::Tensor out = torch::empty_like(x, torch::MemoryFormat::Contiguous);
  normalizeGroups(x, out, groups_, weight_, bias_, slope);
  return out;
}

torch::Tensor GroupNormImpl::normalizeFresh(const torch::Tensor& x, double slope, const torch::Tensor& residual,
                                            const torch::Tensor& residualBias) {
  if (!residualBias.defined()) return normalizedGroups(x, groups_, weight_, bias_, slope, residual);
  const torch::Tensor added = residualBias.to(x.device(), recordsGradient({x}) ? x.scalar_type() : torch::kFloat);
  return normalizedGroups(x, groups_, weight_, bias_.defined() ? bias_.to(added.scalar_type()) + added : added, slope, residual);
}

torch::Tensor registerTensor(torch::nn::Module& module, const std::string& name, std::vector<int64_t> shape) {
  // Values come from the checkpoint; zeros keep an unloaded network deterministic.
  return module.register_parameter(name, torch::zeros(shape), /*requires_grad=*/false);
}

}  // namespace krait::models
