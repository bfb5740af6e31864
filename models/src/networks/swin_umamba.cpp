#include "krait/models/networks/swin_umamba.h"

#include <torch/torch.h>

#include <stdexcept>

namespace krait::models {

namespace {

// MONAI Convolution(conv_only=True) keeps its convolution in a child called "conv".
std::shared_ptr<torch::nn::Module> monaiConv(torch::nn::Module& parent, const std::string& name, Conv& conv,
                                             ConvOptions options) {
  auto wrapper = parent.register_module(name, std::make_shared<torch::nn::Module>());
  conv = wrapper->register_module("conv", Conv(std::move(options)));
  return wrapper;
}

// MONAI UnetResBlock with instance norm (non-affine: no keys) and LeakyReLU(0.01); the 1x1 projection
// only when the channel count changes.
class UnetResBlockImpl : public torch::nn::Module {
 public:
  UnetResBlockImpl(int64_t in, int64_t out) {
    monaiConv(*this, "conv1", conv1_, convSame(2, in, out, {3}, {1}, false));
    monaiConv(*this, "conv2", conv2_, convSame(2, out, out, {3}, {1}, false));
    if (in != out) monaiConv(*this, "conv3", conv3_, convSame(2, in, out, {1}, {1}, false));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    const torch::Tensor y = instanceNorm(conv1_->forward(x), 0.01);
    return instanceNorm(conv2_->forward(y), 0.01, conv3_ ? instanceNorm(conv3_->forward(x)) : x);
  }

 private:
  // x: a convolution's fresh output (normalised in place unless training).
  static torch::Tensor instanceNorm(const torch::Tensor& x, double slope = 1.0, const torch::Tensor& residual = {}) {
    return normalizedGroups(x, x.size(1), {}, {}, slope, residual);
  }
  Conv conv1_{nullptr}, conv2_{nullptr}, conv3_{nullptr};
};
TORCH_MODULE(UnetResBlock);

// UnetrUpBlock: 2x2 stride-2 transposed convolution, concatenation with the skip, UnetResBlock.
class UnetrUpBlockImpl : public torch::nn::Module {
 public:
  UnetrUpBlockImpl(int64_t in, int64_t out) {
    ConvOptions up;
    up.dims = 2;
    up.in = in;
    up.out = out;
    up.kernel = up.stride = {2};
    up.bias = false;
    up.transposed = true;
    monaiConv(*this, "transp_conv", up_, up);
    block_ = register_module("conv_block", UnetResBlock(2 * out, out));
  }
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& skip) {
    return block_->forward(torch::cat({up_->forward(x), skip}, 1));
  }

 private:
  Conv up_{nullptr};
  UnetResBlock block_{nullptr};
};
TORCH_MODULE(UnetrUpBlock);

void describe2d(NetworkInfo& info, const char* name, int64_t in, int64_t classes, int64_t divisor) {
  info.name = name;
  info.dims = 2;
  info.inputChannels = in;
  info.numClasses = classes;
  info.divisor = {divisor, divisor};
}

class SwinUMamba : public Network {
 public:
  explicit SwinUMamba(SwinUMambaOptions o) {
    const auto& f = o.features;
    if (f.size() != 5 || o.encoder.dims.size() != 4)
      throw std::invalid_argument("Swin-UMamba: 5 feature sizes and a 4-stage encoder");
    o.encoder.inputChannels = f[0];
    // Stem stride 2, then the encoder's patches and three merges halve the resolution further.
    describe2d(info_, "SwinUMamba", o.inputChannels, o.numClasses, 2 * o.encoder.patchSize * 8);
    auto stem = register_module("stem", std::make_shared<torch::nn::Module>());
    ConvOptions stemConv = convSame(2, o.inputChannels, f[0], {7}, {2});
    stemConv_ = stem->register_module("0", Conv(stemConv));
    stemNorm_ = stem->register_module("1", InstanceNorm(f[0], true));
    encoder_ = register_module("vssm_encoder", VSSMEncoder(o.encoder));
    const int64_t hidden = f[4];
    const std::vector<std::pair<int64_t, int64_t>> encoders{
        {o.inputChannels, f[0]}, {f[0], f[1]}, {f[1], f[2]}, {f[2], f[3]}, {f[3], f[4]}};
    for (size_t k = 0; k < encoders.size(); ++k) encoders_.push_back(basicBlock("encoder" + std::to_string(k + 1), encoders[k]));
    // decoder6 .. decoder2, in the order they run.
    const std::vector<std::pair<int64_t, int64_t>> decoders{{hidden, f[4]}, {hidden, f[3]}, {f[3], f[2]}, {f[2], f[1]},
                                                            {f[1], f[0]}};
    for (size_t k = 0; k < decoders.size(); ++k)
      decoders_.push_back(register_module("decoder" + std::to_string(6 - k),
                                          UnetrUpBlock(decoders[k].first, decoders[k].second)));
    decoder1_ = basicBlock("decoder1", {f[0], f[0]});
    auto heads = register_module("out_layers", std::make_shared<torch::nn::Module>());
    for (size_t i = 0; i < 4; ++i) {
      auto head = heads->register_module(index(i), std::make_shared<torch::nn::Module>());
      Conv conv{nullptr};
      monaiConv(*head, "conv", conv, convSame(2, f[i], o.numClasses, {1}));
      if (i == 0) head0_ = conv;  // the others are deep-supervision heads, loaded but not run
    }
  }

  torch::Tensor forward(const torch::Tensor& x) override {
    const auto vss = encoder_->forward(stemNorm_->forward(stemConv_->forward(x, /*withBias=*/false)));
    std::vector<torch::Tensor> enc{encoders_[0]->forward(x)};
    for (size_t k = 1; k < encoders_.size(); ++k) enc.push_back(encoders_[k]->forward(vss[k - 1]));
    torch::Tensor dec = vss[4];
    for (size_t k = 0; k < decoders_.size(); ++k) dec = decoders_[k]->forward(dec, enc[enc.size() - 1 - k]);
    return head0_->forward(decoder1_->forward(dec));
  }

 private:
  // UnetrBasicBlock(res_block=True) keeps its UnetResBlock in a child called "layer".
  UnetResBlock basicBlock(const std::string& name, std::pair<int64_t, int64_t> channels) {
    auto wrapper = register_module(name, std::make_shared<torch::nn::Module>());
    return wrapper->register_module("layer", UnetResBlock(channels.first, channels.second));
  }

  Conv stemConv_{nullptr}, head0_{nullptr};
  InstanceNorm stemNorm_{nullptr};
  VSSMEncoder encoder_{nullptr};
  std::vector<UnetResBlock> encoders_;
  std::vector<UnetrUpBlock> decoders_;
  UnetResBlock decoder1_{nullptr};
};

// Swin-Unet's PatchExpand / FinalPatchExpand_X4: Linear to scale^2 * c channels, then each pixel becomes a
// scale x scale block with channel index (p1 * scale + p2) * c + ch — einops '(p1 p2 c)', not pixel_shuffle's
// '(c p1 p2)'.
class PatchExpandImpl : public torch::nn::Module {
 public:
  PatchExpandImpl(int64_t dim, int64_t scale) : scale_(scale) {
    const int64_t outDim = scale == 2 ? dim / 2 : dim;
    expand_ = register_module("expand", Linear(dim, scale * scale * outDim, false));
    norm_ = register_module("norm", LayerNorm(outDim));
    outDim_ = outDim;
  }
  torch::Tensor forward(const torch::Tensor& nchw) {
    const torch::Tensor x = expand_->forward(nchw.permute({0, 2, 3, 1}));
    const int64_t b = x.size(0), h = x.size(1), w = x.size(2);
    const torch::Tensor blocks = x.reshape({b, h, w, scale_, scale_, outDim_}).permute({0, 1, 3, 2, 4, 5});
    return norm_->forward(blocks.reshape({b, h * scale_, w * scale_, outDim_}));
  }

 private:
  int64_t scale_, outDim_ = 0;
  Linear expand_{nullptr};
  LayerNorm norm_{nullptr};
};
TORCH_MODULE(PatchExpand);

class SwinUMambaD : public Network {
 public:
  explicit SwinUMambaD(SwinUMambaDOptions o) {
    const auto& dims = o.encoder.dims;
    if (dims.size() < 2) throw std::invalid_argument("Swin-UMamba†: at least two encoder stages");
    describe2d(info_, "SwinUMambaD", o.encoder.inputChannels, o.numClasses,
               o.encoder.patchSize << (dims.size() - 1));
    encoder_ = register_module("vssm_encoder", VSSMEncoder(o.encoder));
    auto decoder = register_module("decoder", std::make_shared<torch::nn::Module>());
    auto expand = decoder->register_module("expand_layers", std::make_shared<torch::nn::Module>());
    auto concat = decoder->register_module("concat_back_dim", std::make_shared<torch::nn::Module>());
    auto stages = decoder->register_module("stages", std::make_shared<torch::nn::Module>());
    auto seg = decoder->register_module("seg_layers", std::make_shared<torch::nn::Module>());
    const size_t n = dims.size();
    for (size_t s = 0; s + 1 < n; ++s) {
      const int64_t below = dims[n - 1 - s], skip = dims[n - 2 - s];
      expand_.push_back(expand->register_module(index(s), PatchExpand(below, 2)));
      concat_.push_back(concat->register_module(index(s), Linear(2 * skip, skip, true)));
      stages_.push_back(stages->register_module(index(s), VSSLayer(skip, o.decoderDepth, o.encoder.dState)));
      segs_.push_back(seg->register_module(index(s), Conv(convSame(2, skip, o.numClasses, {1}))));  // deep supervision
    }
    expand_.push_back(expand->register_module(index(n - 1), PatchExpand(dims[0], o.encoder.patchSize)));
    head_ = seg->register_module(index(n - 1), Conv(convSame(2, dims[0], o.numClasses, {1})));
  }

  torch::Tensor forward(const torch::Tensor& x) override { return run(x, false).front(); }
  std::vector<torch::Tensor> forwardDeepSupervision(const torch::Tensor& x) override { return run(x, true); }

 private:
  // The head's segmentation, or (deepSupervision) also every decoder stage's, highest resolution first.
  std::vector<torch::Tensor> run(const torch::Tensor& x, bool deepSupervision) {
    const auto skips = encoder_->forward(x);
    torch::Tensor low = skips.back();
    std::vector<torch::Tensor> outputs;
    for (size_t s = 0; s < stages_.size(); ++s) {
      torch::Tensor y = expand_[s]->forward(low);
      y = concat_[s]->forward(torch::cat({y, skips[skips.size() - 2 - s].permute({0, 2, 3, 1})}, -1));
      low = stages_[s]->forward(y).permute({0, 3, 1, 2});
      if (deepSupervision) outputs.insert(outputs.begin(), segs_[s]->forward(low));
    }
    outputs.insert(outputs.begin(), head_->forward(expand_.back()->forward(low).permute({0, 3, 1, 2})));
    return outputs;
  }

  VSSMEncoder encoder_{nullptr};
  std::vector<PatchExpand> expand_;
  std::vector<Linear> concat_;
  std::vector<VSSLayer> stages_;
  std::vector<Conv> segs_;
  Conv head_{nullptr};
};

}  // namespace

std::shared_ptr<Network> makeSwinUMamba(SwinUMambaOptions options) {
  return std::make_shared<SwinUMamba>(std::move(options));
}
std::shared_ptr<Network> makeSwinUMambaD(SwinUMambaDOptions options) {
  return std::make_shared<SwinUMambaD>(std::move(options));
}

}  // namespace krait::models
