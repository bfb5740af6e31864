#include "krait/models/networks/umamba.h"

#include <torch/torch.h>

#include <regex>
#include <stdexcept>

#include "krait/base/error.h"
#include "krait/models/networks/mamba.h"

namespace krait::models {

namespace {

constexpr double kSlope = 0.01;  // nnU-Net's LeakyReLU

// BasicResBlock (U-Mamba net files): two convs with a strided 1x1 projection as the residual.
class BasicResBlockImpl : public torch::nn::Module {
 public:
  BasicResBlockImpl(int dims, int64_t in, int64_t out, const std::vector<int64_t>& kernel,
                    const std::vector<int64_t>& stride) {
    conv1_ = register_module("conv1", Conv(convSame(dims, in, out, kernel, stride)));
    norm1_ = register_module("norm1", InstanceNorm(out, true));
    conv2_ = register_module("conv2", Conv(convSame(dims, out, out, kernel)));
    norm2_ = register_module("norm2", InstanceNorm(out, true));
    conv3_ = register_module("conv3", Conv(convSame(dims, in, out, {1}, stride)));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor y = conv1_->forward(x, /*withBias=*/false);
    y = norm1_->normalizeFresh(y, kSlope);
    y = conv2_->forward(y, /*withBias=*/false);
    // The shortcut's bias joins the second norm's shift, unless the convolution added it (training).
    const torch::Tensor shortcutBias = conv3_->addsBias(x, false) ? torch::Tensor() : conv3_->bias();
    return norm2_->normalizeFresh(y, kSlope, conv3_->forward(x, /*withBias=*/false), shortcutBias);
  }

 private:
  Conv conv1_{nullptr}, conv2_{nullptr}, conv3_{nullptr};
  InstanceNorm norm1_{nullptr}, norm2_{nullptr};
};
TORCH_MODULE(BasicResBlock);

// dynamic-network-architectures' ConvDropoutNormReLU without dropout; the non-linearity is the caller's.
class ConvNormImpl : public torch::nn::Module {
 public:
  ConvNormImpl(int dims, int64_t channels, const std::vector<int64_t>& kernel) {
    conv_ = register_module("conv", Conv(convSame(dims, channels, channels, kernel)));
    norm_ = register_module("norm", InstanceNorm(channels, true));
  }
  torch::Tensor forward(const torch::Tensor& x, double slope, const torch::Tensor& residual = {}) {
    return norm_->normalizeFresh(conv_->forward(x, /*withBias=*/false), slope, residual);
  }

 private:
  Conv conv_{nullptr};
  InstanceNorm norm_{nullptr};
};
TORCH_MODULE(ConvNorm);

// BasicBlockD with equal in/out channels and stride 1: identity residual.
class BasicBlockDImpl : public torch::nn::Module {
 public:
  BasicBlockDImpl(int dims, int64_t channels, const std::vector<int64_t>& kernel) {
    conv1_ = register_module("conv1", ConvNorm(dims, channels, kernel));
    conv2_ = register_module("conv2", ConvNorm(dims, channels, kernel));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    return conv2_->forward(conv1_->forward(x, kSlope), kSlope, x);
  }

 private:
  ConvNorm conv1_{nullptr}, conv2_{nullptr};
};
TORCH_MODULE(BasicBlockD);

torch::nn::Sequential residualStage(int dims, int64_t in, int64_t out, const std::vector<int64_t>& kernel,
                                    const std::vector<int64_t>& stride, int64_t blocks) {
  torch::nn::Sequential stage(BasicResBlock(dims, in, out, kernel, stride));
  for (int64_t b = 1; b < blocks; ++b) stage->push_back(BasicBlockD(dims, out, kernel));
  return stage;
}

// MambaLayer: LayerNorm then Mamba over the flattened voxels (patch tokens: sequence = voxels, features =
// channels) or, when the feature map has no more voxels than channels, over the channels (channel tokens:
// sequence = channels, features = voxels). Its output replaces the features: no residual.
class UMambaLayerImpl : public torch::nn::Module, public FullPrecisionModule {
 public:
  UMambaLayerImpl(int64_t dim, bool channelTokens) : channelTokens_(channelTokens) {
    norm_ = register_module("norm", LayerNorm(dim));
    mamba_ = register_module("mamba", Mamba(dim));
  }
  torch::Tensor forward(const torch::Tensor& input) {
    // In fp32 whatever the input's type: the norm reads the input as it is and writes fp32.
    const torch::Tensor tokens = channelTokens_ ? input.flatten(2) : input.flatten(2).transpose(1, 2);
    const torch::Tensor y = mamba_->forward(norm_->normalize(tokens, torch::kFloat32));
    return (channelTokens_ ? y : y.transpose(1, 2)).reshape(input.sizes()).to(input.scalar_type());
  }

 private:
  bool channelTokens_;
  LayerNorm norm_{nullptr};
  Mamba mamba_{nullptr};
};
TORCH_MODULE(UMambaLayer);

// Nearest-neighbour upsampling by the stage's stride, then a 1x1 convolution, then (when given) the skip
// concatenated after the channels. The convolution acts on each voxel alone, so it runs first, on the
// scale-product (4x in 2D, 8x in 3D) fewer voxels before the copy: the same values for a fraction of the work.
class UpsampleLayerImpl : public torch::nn::Module {
 public:
  UpsampleLayerImpl(int dims, int64_t in, int64_t out, std::vector<int64_t> scale) : scale_(std::move(scale)) {
    conv_ = register_module("conv", Conv(convSame(dims, in, out, {1})));
  }
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& skip = {}) {
    const torch::Tensor y = conv_->forward(x);
    const auto dims = static_cast<int64_t>(scale_.size());
    const auto lastFormat = dims == 3 ? torch::MemoryFormat::ChannelsLast3d : torch::MemoryFormat::ChannelsLast;
    std::vector<int64_t> size;
    for (int64_t a = 0; a < dims; ++a) size.push_back(y.size(a + 2) * scale_[static_cast<size_t>(a)]);
    if (!y.is_contiguous(lastFormat) || y.is_contiguous()) {
      const torch::Tensor up = dims == 3 ? torch::upsample_nearest3d(y, size) : torch::upsample_nearest2d(y, size);
      return skip.defined() ? torch::cat({up, skip}, 1) : up;
    }
    // Channels-last (useChannelsLast): LibTorch's nearest kernels and cat would convert to channels-first and
    // back; instead, one strided copy of every voxel into its scale-product block of the concatenation.
    const int64_t channels = y.size(1), skipChannels = skip.defined() ? skip.size(1) : 0;
    std::vector<int64_t> outSize{y.size(0), channels + skipChannels}, blocks{y.size(0), channels}, voxels = blocks;
    outSize.insert(outSize.end(), size.begin(), size.end());
    for (int64_t a = 0; a < dims; ++a) {
      blocks.insert(blocks.end(), {y.size(a + 2), scale_[static_cast<size_t>(a)]});
      voxels.insert(voxels.end(), {y.size(a + 2), 1});
    }
    const torch::Tensor out = torch::empty(outSize, y.options().memory_format(lastFormat));
    out.narrow(1, 0, channels).view(blocks).copy_(y.view(voxels).expand(blocks));
    if (skip.defined()) out.narrow(1, channels, skipChannels).copy_(skip);
    return out;
  }

 private:
  std::vector<int64_t> scale_;
  Conv conv_{nullptr};
};
TORCH_MODULE(UpsampleLayer);

// Lists whose entries may be nn.Identity (no keys) keep the Python indices as child names.
std::shared_ptr<torch::nn::Module> moduleList() { return std::make_shared<torch::nn::Module>(); }

// Refuses, naming `source`, checkpoints of U-Mamba's first code release (before 2024-03-27), whose keys
// (decoder.transpconvs.*, a top-level mamba.*) fit no current class.
void refuseLegacyLayout(const StateDict& weights, const std::string& source) {
  for (const auto& [key, tensor] : weights)
    if (key.rfind("decoder.transpconvs.", 0) == 0 || key.rfind("mamba.", 0) == 0)
      throw inputError(source, "U-Mamba checkpoint in the layout of its first release (key '" + key +
                                   "'): the networks were rewritten on 2024-03-27 and such weights fit no current "
                                   "U-Mamba class; retrain with the current U-Mamba code");
}

class UMamba : public Network {
 public:
  explicit UMamba(UMambaOptions o) : o_(std::move(o)) {
    const size_t n = o_.features.size();
    if (n < 2 || o_.kernels.size() != n || o_.strides.size() != n || o_.blocksEncoder.size() != n ||
        o_.blocksDecoder.size() != n - 1)
      throw std::invalid_argument("U-Mamba: kernels, strides and blocks must have one entry per stage");
    for (auto& k : o_.kernels) k = perAxis(k, o_.dims);
    for (auto& s : o_.strides) s = perAxis(s, o_.dims);
    // U-Mamba keeps one block in the lower half of the encoder and decoder stages.
    const size_t half = (n + 1) / 2;
    for (size_t s = half; s < n; ++s) o_.blocksEncoder[s] = 1;
    for (size_t s = half; s + 1 < n; ++s) o_.blocksDecoder[s] = 1;

    info_.name = o_.mambaInEncoder ? "UMambaEnc" : "UMambaBot";
    info_.dims = o_.dims;
    info_.inputChannels = o_.inputChannels;
    info_.numClasses = o_.numClasses;
    info_.divisor.assign(o_.dims, 1);
    for (const auto& s : o_.strides)
      for (int a = 0; a < o_.dims; ++a) info_.divisor[a] *= s[a];

    const int d = o_.dims;
    auto encoder = register_module("encoder", moduleList());
    stem_ = encoder->register_module("stem", residualStage(d, o_.inputChannels, o_.features[0], o_.kernels[0], {1},
                                                           o_.blocksEncoder[0]));
    auto stages = encoder->register_module("stages", moduleList());
    for (size_t s = 0; s < n; ++s)
      encoderStages_.push_back(stages->register_module(
          index(s), residualStage(d, o_.features[s == 0 ? 0 : s - 1], o_.features[s], o_.kernels[s], o_.strides[s],
                                  o_.blocksEncoder[s])));
    if (o_.mambaInEncoder) {
      addEncoderMambaLayers(*encoder);
    } else {
      bottleneckMamba_ = register_module("mamba_layer", UMambaLayer(o_.features[n - 1], false));
    }

    auto decoder = register_module("decoder", moduleList());
    auto upsamples = decoder->register_module("upsample_layers", moduleList());
    auto decStages = decoder->register_module("stages", moduleList());
    auto segLayers = decoder->register_module("seg_layers", moduleList());
    for (size_t i = 0; i + 1 < n; ++i) {
      const size_t j = n - 2 - i;  // the encoder stage this decoder stage returns to
      upsamples_.push_back(upsamples->register_module(
          index(i), UpsampleLayer(d, o_.features[j + 1], o_.features[j], o_.strides[j + 1])));
      const int64_t in = concatenatesSkip(i) ? 2 * o_.features[j] : o_.features[j];
      decoderStages_.push_back(decStages->register_module(
          index(i), residualStage(d, in, o_.features[j], o_.kernels[j], {1}, o_.blocksDecoder[i])));
      segLayers_.push_back(segLayers->register_module(index(i), Conv(convSame(d, o_.features[j], o_.numClasses, {1}))));
    }
  }

  torch::Tensor forward(const torch::Tensor& input) override { return run(input, false).front(); }
  std::vector<torch::Tensor> forwardDeepSupervision(const torch::Tensor& input) override { return run(input, true); }

  void loadStateDict(const StateDict& weights, const std::string& source) override {
    refuseLegacyLayout(weights, source);
    Network::loadStateDict(weights, source);
  }

  std::vector<KeyAlias> keyAliases() const override {
    // Every BasicBlockD tensor again under conv{1,2}.all_modules.{0,1}; the decoder keeps the encoder as
    // decoder.encoder, so every encoder key (aliases included) appears again under it.
    static const std::regex blockKey(R"(^(.*\.conv[12])\.(conv|norm)\.(weight|bias)$)");
    std::vector<KeyAlias> aliases;
    for (const auto& p : named_parameters()) {
      std::smatch m;
      const std::string& key = p.key();
      if (std::regex_match(key, m, blockKey))
        aliases.push_back({m[1].str() + ".all_modules." + (m[2] == "conv" ? "0." : "1.") + m[3].str(), key});
    }
    std::vector<KeyAlias> encoderAliases;
    for (const auto& p : named_parameters())
      if (p.key().rfind("encoder.", 0) == 0) encoderAliases.push_back({"decoder." + p.key(), p.key()});
    for (const auto& a : aliases)
      if (a.alias.rfind("encoder.", 0) == 0) encoderAliases.push_back({"decoder." + a.alias, a.canonical});
    aliases.insert(aliases.end(), encoderAliases.begin(), encoderAliases.end());
    return aliases;
  }

 private:
  // The last stage's segmentation, or (deepSupervision) every stage's, highest resolution first.
  std::vector<torch::Tensor> run(const torch::Tensor& input, bool deepSupervision) {
    torch::Tensor x = stem_->forward(input);
    std::vector<torch::Tensor> skips;
    for (size_t s = 0; s < encoderStages_.size(); ++s) {
      x = encoderStages_[s]->forward(x);
      if (encoderMamba_.size() > s && encoderMamba_[s]) x = encoderMamba_[s]->forward(x);
      skips.push_back(x);
    }
    if (bottleneckMamba_) skips.back() = bottleneckMamba_->forward(skips.back());
    torch::Tensor low = skips.back();
    const size_t n = skips.size();
    std::vector<torch::Tensor> outputs;
    for (size_t i = 0; i + 1 < n; ++i) {
      // Features leave a Mamba layer in fp32; the convolutions take the precision of their input.
      low = decoderStages_[i]->forward(upsamples_[i]->forward(low, concatenatesSkip(i) ? skips[n - 2 - i] : torch::Tensor()));
      if (deepSupervision) outputs.insert(outputs.begin(), segLayers_[i]->forward(low));
    }
    if (!deepSupervision) outputs.push_back(segLayers_.back()->forward(low));
    return outputs;
  }

  // The 2D files do not concatenate the full-resolution skip in the last decoder stage.
  bool concatenatesSkip(size_t decoderStage) const {
    return !(o_.dims == 2 && decoderStage + 2 == o_.features.size());
  }

  void addEncoderMambaLayers(torch::nn::Module& encoder) {
    const size_t n = o_.features.size();
    if (o_.patchSize.size() != static_cast<size_t>(o_.dims))
      throw std::invalid_argument("U-Mamba_Enc needs the plans' patch size to size its Mamba layers");
    auto layers = encoder.register_module("mamba_layers", moduleList());
    std::vector<int64_t> fmap = o_.patchSize;
    bool anyChannelTokens = false;
    for (size_t s = 0; s < n; ++s) {
      int64_t voxels = 1;
      for (int a = 0; a < o_.dims; ++a) voxels *= (fmap[a] /= o_.strides[s][a]);
      // 3D: after every stage; 2D: every other stage, always including the last.
      const bool present = o_.dims == 3 || ((s % 2 == 1) != (n % 2 == 1));
      const bool channelTokens = voxels <= o_.features[s];
      encoderMamba_.push_back(
          present ? layers->register_module(index(s), UMambaLayer(channelTokens ? voxels : o_.features[s], channelTokens))
                  : UMambaLayer(nullptr));
      anyChannelTokens = anyChannelTokens || (present && channelTokens);
    }
    // A channel-token layer's width is the voxel count of the plans' patch: only that tile size runs.
    if (anyChannelTokens) info_.fixedPatch = o_.patchSize;
  }

  UMambaOptions o_;
  torch::nn::Sequential stem_{nullptr};
  std::vector<torch::nn::Sequential> encoderStages_, decoderStages_;
  std::vector<UMambaLayer> encoderMamba_;
  UMambaLayer bottleneckMamba_{nullptr};
  std::vector<UpsampleLayer> upsamples_;
  std::vector<Conv> segLayers_;
};

}  // namespace

std::shared_ptr<Network> makeUMamba(UMambaOptions options) { return std::make_shared<UMamba>(std::move(options)); }

}  // namespace krait::models
