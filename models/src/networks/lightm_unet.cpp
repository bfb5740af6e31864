#include "krait/models/networks/lightm_unet.h"

#include <torch/torch.h>

#include <stdexcept>
#include <string>

#include "krait/models/networks/mamba.h"

namespace krait::models {

namespace {

constexpr int64_t kGroups = 8;

// MONAI Convolution(conv_only=True): the convolution sits in a child called "conv".
class MonaiConvImpl : public torch::nn::Module {
 public:
  explicit MonaiConvImpl(ConvOptions options) { conv_ = register_module("conv", Conv(std::move(options))); }
  torch::Tensor forward(const torch::Tensor& x) { return conv_->forward(x); }

 private:
  Conv conv_{nullptr};
};
TORCH_MODULE(MonaiConv);

// get_dwconv_layer: depthwise k x k then pointwise 1 x 1.
torch::nn::Sequential dwConv(int dims, int64_t in, int64_t out, int64_t kernel, bool bias) {
  ConvOptions depth = convSame(dims, in, in, {kernel}, {1}, bias);
  depth.groups = in;
  return torch::nn::Sequential(MonaiConv(depth), MonaiConv(convSame(dims, in, out, {1}, {1}, bias)));
}

// LightM-UNet's MambaLayer: the same LayerNorm before the Mamba and again after the scaled skip is added.
class LightMambaLayerImpl : public torch::nn::Module, public FullPrecisionModule {
 public:
  LightMambaLayerImpl(int64_t in, int64_t out) : out_(out) {
    norm_ = register_module("norm", LayerNorm(in));
    mamba_ = register_module("mamba", Mamba(in));
    proj_ = register_module("proj", Linear(in, out, true));
    skipScale_ = registerTensor(*this, "skip_scale", {1});
  }
  // The official layer casts its input to float32 without turning autocast off, so under nnU-Net's fp16 autocast
  // its norms and skip run in fp32 and everything else (projections, causal convolution, scan inputs) in fp16.
  bool keepsFloat32(const std::string& name, torch::ScalarType type) const override {
    const std::string mamba = "mamba.";
    return !isAutocastType(type) || name == "skip_scale" ||
           (name.rfind(mamba, 0) == 0 && Mamba::Impl::readsAsFloat32(name.substr(mamba.size())));
  }
  torch::Tensor forward(const torch::Tensor& input) {
    // The norms compute in fp32 and write the projections' type (what autocast's cast of their fp32 output
    // gives). The scaled skip is added to the Mamba's output in one addcmul pass, in fp32 (the official fp32
    // skip promotes the sum).
    const torch::ScalarType compute = proj_->weight().scalar_type();
    const torch::Tensor tokens = input.flatten(2).transpose(1, 2);
    // CUDA's element-wise kernels convert their inputs as they read them; LibTorch 1.13's CPU kernels do not.
    const torch::Tensor skip = tokens.is_cuda() ? tokens : tokens.to(torch::kFloat32);
    torch::Tensor mixed = mamba_->forward(norm_->normalize(tokens, compute));
    mixed = mixed.scalar_type() == torch::kFloat32 ? mixed.addcmul_(skip, skipScale_) : torch::addcmul(mixed, skip, skipScale_);
    const torch::Tensor y = proj_->forward(norm_->normalize(mixed, compute));
    std::vector<int64_t> shape = input.sizes().vec();
    shape[1] = out_;
    return y.transpose(1, 2).reshape(shape).to(input.scalar_type());
  }

 private:
  int64_t out_;
  LayerNorm norm_{nullptr};
  Mamba mamba_{nullptr};
  Linear proj_{nullptr};
  torch::Tensor skipScale_;
};
TORCH_MODULE(LightMambaLayer);

class ResMambaBlockImpl : public torch::nn::Module {
 public:
  explicit ResMambaBlockImpl(int64_t channels) {
    norm1_ = register_module("norm1", GroupNorm(kGroups, channels));
    norm2_ = register_module("norm2", GroupNorm(kGroups, channels));
    conv1_ = register_module("conv1", LightMambaLayer(channels, channels));
    conv2_ = register_module("conv2", LightMambaLayer(channels, channels));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor y = conv1_->forward(norm1_->forward(x, 0.0));
    y = conv2_->forward(norm2_->forward(y, 0.0));
    return y + x;
  }

 private:
  GroupNorm norm1_{nullptr}, norm2_{nullptr};
  LightMambaLayer conv1_{nullptr}, conv2_{nullptr};
};
TORCH_MODULE(ResMambaBlock);

class ResUpBlockImpl : public torch::nn::Module {
 public:
  ResUpBlockImpl(int dims, int64_t channels) {
    norm1_ = register_module("norm1", GroupNorm(kGroups, channels));
    norm2_ = register_module("norm2", GroupNorm(kGroups, channels));
    conv_ = register_module("conv", dwConv(dims, channels, channels, 3, false));
    skipScale_ = registerTensor(*this, "skip_scale", {1});
  }
  torch::Tensor forward(const torch::Tensor& x) {
    return norm2_->normalizeFresh(torch::addcmul(conv_->forward(norm1_->forward(x, 0.0)), x, skipScale_), 0.0);
  }

 private:
  GroupNorm norm1_{nullptr}, norm2_{nullptr};
  torch::nn::Sequential conv_{nullptr};
  torch::Tensor skipScale_;
};
TORCH_MODULE(ResUpBlock);

class LightMUNet : public Network {
 public:
  explicit LightMUNet(LightMUNetOptions o) : o_(std::move(o)) {
    if (o_.dims != 2 && o_.dims != 3) throw std::invalid_argument("LightM-UNet is 2D or 3D");
    if (o_.blocksUp.size() + 1 != o_.blocksDown.size())
      throw std::invalid_argument("LightM-UNet: one up level fewer than down levels");
    info_.name = "LightMUNet";
    info_.dims = o_.dims;
    info_.inputChannels = o_.inputChannels;
    info_.numClasses = o_.numClasses;
    info_.divisor.assign(o_.dims, int64_t{1} << (o_.blocksDown.size() - 1));

    const int d = o_.dims;
    const int64_t f = o_.initFilters;
    convInit_ = register_module("convInit", dwConv(d, o_.inputChannels, f, 3, false));
    auto down = register_module("down_layers", std::make_shared<torch::nn::Module>());
    for (size_t i = 0; i < o_.blocksDown.size(); ++i) {
      const int64_t c = f << i;
      auto level = down->register_module(index(i), std::make_shared<torch::nn::Module>());
      Level l;
      // Level i > 0 starts with a Mamba layer at the higher resolution followed by a 2x max-pool.
      if (i > 0) {
        auto first = level->register_module("0", std::make_shared<torch::nn::Module>());
        l.downsample = first->register_module("0", LightMambaLayer(c / 2, c));
      }
      for (int64_t b = 0; b < o_.blocksDown[i]; ++b)
        l.blocks.push_back(level->register_module(index(static_cast<size_t>(b) + 1), ResMambaBlock(c)));
      levels_.push_back(l);
    }
    auto upLayers = register_module("up_layers", std::make_shared<torch::nn::Module>());
    auto upSamples = register_module("up_samples", std::make_shared<torch::nn::Module>());
    const size_t nUp = o_.blocksUp.size();
    for (size_t i = 0; i < nUp; ++i) {
      const int64_t c = f << (nUp - i);
      auto sample = upSamples->register_module(index(i), std::make_shared<torch::nn::Module>());
      upConvs_.push_back(sample->register_module("0", MonaiConv(convSame(d, c, c / 2, {1}, {1}, false))));
      torch::nn::Sequential blocks;
      for (int64_t b = 0; b < o_.blocksUp[i]; ++b) blocks->push_back(ResUpBlock(d, c / 2));
      upBlocks_.push_back(upLayers->register_module(index(i), blocks));
    }
    auto final = register_module("conv_final", std::make_shared<torch::nn::Module>());
    finalNorm_ = final->register_module("0", GroupNorm(kGroups, f));
    finalConv_ = final->register_module("2", dwConv(d, f, o_.numClasses, 1, true));
  }

  torch::Tensor forward(const torch::Tensor& input) override {
    torch::Tensor x = convInit_->forward(input);
    std::vector<torch::Tensor> down;
    for (auto& level : levels_) {
      if (level.downsample) x = maxPoolHalving(level.downsample->forward(x));
      for (auto& block : level.blocks) x = block->forward(x);
      down.push_back(x);
    }
    for (size_t i = 0; i < upBlocks_.size(); ++i) {
      x = upsample(upConvs_[i]->forward(x)) + down[down.size() - 2 - i];
      x = upBlocks_[i]->forward(x);
    }
    return finalConv_->forward(finalNorm_->forward(x, 0.0));
  }

 private:
  struct Level {
    LightMambaLayer downsample{nullptr};
    std::vector<ResMambaBlock> blocks;
  };

  // MONAI UpSample(NONTRAINABLE): nn.Upsample(scale_factor=2, mode=(bi|tri)linear, align_corners=False).
  torch::Tensor upsample(const torch::Tensor& x) const {
    std::vector<int64_t> size;
    for (int64_t a = 2; a < x.dim(); ++a) size.push_back(2 * x.size(a));
    if (o_.dims == 3) return torch::upsample_trilinear3d(x, size, false, 2.0, 2.0, 2.0);
    return torch::upsample_bilinear2d(x, size, false, 2.0, 2.0);
  }

  LightMUNetOptions o_;
  torch::nn::Sequential convInit_{nullptr}, finalConv_{nullptr};
  std::vector<Level> levels_;
  std::vector<MonaiConv> upConvs_;
  std::vector<torch::nn::Sequential> upBlocks_;
  GroupNorm finalNorm_{nullptr};
};

}  // namespace

std::shared_ptr<Network> makeLightMUNet(LightMUNetOptions options) {
  return std::make_shared<LightMUNet>(std::move(options));
}

}  // namespace krait::models
