#pragma once
// The PyTorch layers the official networks are built from, with PyTorch's parameter names ("weight", "bias")
// so that a module tree registered with the official names loads an official state_dict by name. Spatial
// dimensionality (1, 2 or 3) is a constructor argument instead of a class, as nnU-Net's conv_op is.
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <string>
#include <vector>

namespace krait::models {

// Per-axis sizes: one value repeated over every axis, or one per axis.
std::vector<int64_t> perAxis(const std::vector<int64_t>& values, int dims);

struct ConvOptions {
  int dims = 3;
  int64_t in = 0, out = 0;
  std::vector<int64_t> kernel{1}, stride{1}, padding{0};
  int64_t groups = 1;
  bool bias = true;
  bool transposed = false;  // ConvTranspose (weight is (in, out / groups, *k)); only used with padding 0
};

class ConvImpl : public torch::nn::Module {
 public:
  explicit ConvImpl(ConvOptions options);
  // withBias false: for a convolution an instance norm follows, which removes any per-channel constant, the
  // bias included, exactly; LibTorch adds a bias in a pass of its own on the GPU (cuDNN's convolution has none).
  // Where autograd records (training) the bias is added all the same, so that it gets its (zero) gradient and
  // weight decay as in PyTorch.
  torch::Tensor forward(const torch::Tensor& x, bool withBias = true);
  // Whether forward(x, withBias) adds the bias.
  bool addsBias(const torch::Tensor& x, bool withBias) const;
  const ConvOptions& options() const { return options_; }
  const torch::Tensor& weight() const { return weight_; }
  const torch::Tensor& bias() const { return bias_; }

 private:
  ConvOptions options_;
  torch::Tensor weight_, bias_;
};
TORCH_MODULE(Conv);

// "same" padding for odd kernels, as nnU-Net and MONAI compute it: k // 2 per axis.
ConvOptions convSame(int dims, int64_t in, int64_t out, const std::vector<int64_t>& kernel,
                     const std::vector<int64_t>& stride = {1}, bool bias = true);

// x W^T + b, as torch::linear. On the CPU in fp32 where autograd does not record, and for at least
// kConvolvedLinearRows tokens, it runs as a 1 x 1 convolution: oneDNN computes it on LibTorch's OpenMP threads,
// where torch::linear calls OpenBLAS, whose own thread pool contends for the cores with OpenMP's spinning
// workers (LightM-UNet 2D's projections on 2 cores: 1.4 s a tile through OpenBLAS, 0.8 s so; docs/benchmarks.md).
// The values differ from OpenBLAS's by the order of the sums (fp32 rounding).
inline constexpr int64_t kConvolvedLinearRows = 1024;
torch::Tensor linearTokens(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias = {});

class LinearImpl : public torch::nn::Module {
 public:
  LinearImpl(int64_t in, int64_t out, bool bias);
  torch::Tensor forward(const torch::Tensor& x);
  const torch::Tensor& weight() const { return weight_; }
  const torch::Tensor& bias() const { return bias_; }

 private:
  torch::Tensor weight_, bias_;
};
TORCH_MODULE(Linear);

// nn.LayerNorm over the last dimension, eps 1e-5, in fp32 arithmetic whatever x's type (as autocast runs
// layer_norm; fp64 stays fp64 where autograd records, for gradient checks). In CUDA builds, CUDA tensors take a kernel that reads the tokens where they are (a transposed
// channels-first map included) and writes the result's type directly.
class LayerNormImpl : public torch::nn::Module {
 public:
  explicit LayerNormImpl(int64_t channels);
  torch::Tensor forward(const torch::Tensor& x) { return normalize(x, x.scalar_type()); }
  // The result as `out` (fp32 or x's type): what x.to(fp32) before or .to(out) after would give, in one pass.
  torch::Tensor normalize(const torch::Tensor& x, torch::ScalarType out);

 private:
  int64_t channels_;
  torch::Tensor weight_, bias_;
};
TORCH_MODULE(LayerNorm);

// Normalisation over groups of channels and all positions (nn.GroupNorm; groups == channels is nn.InstanceNorm
// without running statistics), eps 1e-5, then the per-channel affine (weight and bias may be undefined), the
// residual when defined (x's shape) and a leaky ReLU with `slope` (0: ReLU, 1: none), written into `out` (x
// itself to work in place). Norm, residual and activation make up a third of a CNN's time through LibTorch's
// separate ops; fused, they take two passes over each group: on fp32 CPU tensors, and on CUDA tensors of fp32,
// fp16 or bf16 in CUDA builds. Other devices and types go through LibTorch.
// Not differentiable: see normalizedGroups.
void normalizeGroups(const torch::Tensor& x, const torch::Tensor& out, int64_t groups, const torch::Tensor& weight,
                     const torch::Tensor& bias, double slope, const torch::Tensor& residual = {});

// x (a tensor nothing else reads any more, such as a convolution's fresh output) normalised as normalizeGroups
// does: in place, x returned, unless autograd records (ops/autograd.h); then a new tensor from LibTorch's
// differentiable ops (group_norm, add, leaky_relu).
torch::Tensor normalizedGroups(const torch::Tensor& x, int64_t groups, const torch::Tensor& weight, const torch::Tensor& bias,
                               double slope, const torch::Tensor& residual = {});

// nn.MaxPool2d/3d(2) (kernel 2, stride 2, no padding, floor mode): max_pool2d/3d's values, NaN propagated, bit for
// bit. On channels-last fp32 CPU tensors (the Mamba layers' output) a loop over rows of channel vectors: LibTorch
// 1.13's CPU max_pool3d cost LightM-UNet 3D 1.1 s of a 15 s tile there. Everything else (other devices, types and
// layouts, autograd) goes through LibTorch.
torch::Tensor maxPoolHalving(const torch::Tensor& x);

// nn.GroupNorm(groups, channels) (affine) and nn.InstanceNorm{2,3}d (affine or not), each with the following
// activation's slope folded in (see normalizeGroups).
class GroupNormImpl : public torch::nn::Module {
 public:
  GroupNormImpl(int64_t groups, int64_t channels, bool affine = true);
  torch::Tensor forward(const torch::Tensor& x, double slope = 1.0);
  // For a tensor nothing else reads any more (a convolution's fresh output): normalizedGroups, so in place
  // unless autograd records; use the result. The residual as normalizeGroups; residualBias: a per-channel
  // constant added with the residual (the bias of the convolution that made it, which then runs without it).
  torch::Tensor normalizeFresh(const torch::Tensor& x, double slope = 1.0, const torch::Tensor& residual = {},
                               const torch::Tensor& residualBias = {});

 private:
  int64_t groups_;
  torch::Tensor weight_, bias_;
};
TORCH_MODULE(GroupNorm);

class InstanceNormImpl : public GroupNormImpl {
 public:
  InstanceNormImpl(int64_t channels, bool affine) : GroupNormImpl(channels, channels, affine) {}
};
TORCH_MODULE(InstanceNorm);

// A Mamba layer, whose parameters convertNetwork leaves fp32 in part or in whole, as the official layer has them
// under nnU-Net's autocast; its forward returns its input's type. U-Mamba's MambaLayer runs with autocast off:
// all of it stays fp32 (the default). LightM-UNet's MambaLayer and Swin-UMamba's SS2D only cast their input to
// float32, so autocast still runs their projections and convolutions in fp16 (or bf16): they keep fp32 only
// what the official code reads as float (A_log, D, the delta bias, skip scales) when `type` is one of those.
class FullPrecisionModule {
 public:
  virtual ~FullPrecisionModule() = default;
  // Whether the parameter `name` (its path below this module) stays fp32 when the network is converted to `type`.
  virtual bool keepsFloat32(const std::string& name, torch::ScalarType type) const { return true; }
};

// Whether `type` is one autocast computes in (fp16, bf16).
bool isAutocastType(torch::ScalarType type);

// A bare learnable tensor registered under `name` (skip_scale, A_log, ...).
torch::Tensor registerTensor(torch::nn::Module& module, const std::string& name, std::vector<int64_t> shape);

// Names for the numbered children of nn.Sequential / nn.ModuleList.
inline std::string index(size_t i) { return std::to_string(i); }

}  // namespace krait::models
