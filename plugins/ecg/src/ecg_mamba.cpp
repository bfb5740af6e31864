#include "ecg_mamba.h"

#include <krait/plugin_weights.hpp>

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "record.h"

namespace krait::ecg {
namespace {

using nlohmann::json;

[[noreturn]] void invalid(const std::string& what) { throw std::invalid_argument(what); }

template <typename T>
T field(const json& object, const char* key, const std::string& where) {
  if (!object.is_object() || !object.contains(key)) invalid(where + " has no '" + key + "'");
  try {
    return object.at(key).get<T>();
  } catch (const json::exception&) {
    invalid(where + ": '" + key + "' has an unexpected type");
  }
}


}  // namespace

// ---- Config ---------------------------------------------------------------------------------------------

EcgMambaConfig EcgMambaConfig::fromJson(const json& a) {
  const std::string where = "the architecture";
  EcgMambaConfig c;
  c.inChannels = field<int64_t>(a, "in_channels", where);
  c.inputLength = field<int64_t>(a, "input_length", where);
  const json stem = field<json>(a, "stem", where);
  if (!stem.is_array()) invalid(where + ": 'stem' must be a list of layers");
  for (size_t i = 0; i < stem.size(); ++i) {
    const std::string layer = where + " stem layer " + std::to_string(i);
    c.stem.push_back({field<int64_t>(stem[i], "channels", layer), field<int64_t>(stem[i], "kernel", layer),
                      field<int64_t>(stem[i], "stride", layer), field<int64_t>(stem[i], "padding", layer)});
  }
  c.stemConvBias = field<bool>(a, "stem_conv_bias", where);
  c.stemBnEps = field<double>(a, "stem_bn_eps", where);
  c.embedDim = field<int64_t>(a, "embed_dim", where);
  c.depth = field<int64_t>(a, "depth", where);
  c.dState = field<int64_t>(a, "d_state", where);
  c.dConv = field<int64_t>(a, "d_conv", where);
  c.expand = field<int64_t>(a, "expand", where);
  c.dtRank = field<int64_t>(a, "dt_rank", where);
  c.normEps = field<double>(a, "norm_eps", where);
  const auto bimamba = field<std::string>(a, "bimamba_type", where);
  if (bimamba != "v2") invalid(where + ": bimamba_type '" + bimamba + "' (only v2 is implemented)");
  c.divideOut = field<bool>(a, "divide_out", where);
  c.clsTokenIndex = field<int64_t>(a, "cls_token_index", where);
  c.posEmbedLength = field<int64_t>(a, "pos_embed_length", where);
  c.numClasses = field<int64_t>(a, "num_classes", where);
  c.validate();
  return c;
}

int64_t EcgMambaConfig::tokens() const {
  int64_t length = inputLength;
  for (const StemLayer& l : stem) {
    const int64_t padded = length + 2 * l.padding;
    if (padded < l.kernel || l.stride < 1) return 0;
    length = (padded - l.kernel) / l.stride + 1;  // Conv1d's output length
  }
  return length;
}

void EcgMambaConfig::validate() const {
  const std::string where = "the architecture";
  const std::pair<const char*, int64_t> positive[] = {
      {"in_channels", inChannels}, {"input_length", inputLength}, {"embed_dim", embedDim}, {"depth", depth},
      {"d_state", dState},         {"d_conv", dConv},             {"expand", expand},       {"dt_rank", dtRank},
      {"num_classes", numClasses}};
  for (const auto& [name, value] : positive)
    if (value < 1) invalid(where + ": " + name + " must be positive, not " + std::to_string(value));
  if (stem.empty()) invalid(where + ": the stem has no layers");
  for (const StemLayer& l : stem)
    if (l.channels < 1 || l.kernel < 1 || l.stride < 1 || l.padding < 0)
      invalid(where + ": a stem layer needs positive channels, kernel and stride and a padding of at least 0");
  if (stem.back().channels != embedDim)
    invalid(where + ": the last stem layer has " + std::to_string(stem.back().channels) + " channels, embed_dim is " +
            std::to_string(embedDim));
  if (!(stemBnEps > 0) || !(normEps > 0)) invalid(where + ": stem_bn_eps and norm_eps must be positive");
  const int64_t m = tokens();
  if (m < 1) invalid(where + ": input_length " + std::to_string(inputLength) + " is too short for the stem");
  if (posEmbedLength != m + 1)
    invalid(where + ": input_length " + std::to_string(inputLength) + " gives " + std::to_string(m) +
            " tokens, so pos_embed_length must be " + std::to_string(m + 1) + ", not " + std::to_string(posEmbedLength));
  if (clsTokenIndex < 0 || clsTokenIndex > m)
    invalid(where + ": cls_token_index " + std::to_string(clsTokenIndex) + " is outside 0.." + std::to_string(m));
}

// ---- Modules --------------------------------------------------------------------------------------------

class RmsNorm : public torch::nn::Module {
 public:
  RmsNorm(int64_t dim, double eps) : eps_(eps) { weight_ = register_parameter("weight", torch::ones({dim})); }
  torch::Tensor forward(const torch::Tensor& x) const {
    return x * torch::rsqrt(x.pow(2).mean(-1, true) + eps_) * weight_;
  }

 private:
  double eps_;
  torch::Tensor weight_;
};

// Vim's Mamba with bimamba_type "v2": in_proj and out_proj shared, every other parameter once per direction
// (the backward one's names end in _b, A_b_log for A_log); the backward direction scans the time-reversed x
// and z and its output is reversed back.
class BiMambaV2 : public torch::nn::Module {
 public:
  explicit BiMambaV2(const EcgMambaConfig& c) : divideOut_(c.divideOut) {
    namespace nn = torch::nn;
    inProj_ = register_module("in_proj", nn::Linear(nn::LinearOptions(c.embedDim, 2 * c.dInner()).bias(false)));
    forward_ = plugin::MambaBranch(*this, "", c.dInner(), c.dState, c.dConv, c.dtRank);
    backward_ = plugin::MambaBranch(*this, "_b", c.dInner(), c.dState, c.dConv, c.dtRank);
    outProj_ = register_module("out_proj", nn::Linear(nn::LinearOptions(c.dInner(), c.embedDim).bias(false)));
  }

  // h: (batch, length, embed) -> (batch, length, embed).
  torch::Tensor forward(const torch::Tensor& h, const SelectiveScan& scan) {
    // (batch, 2 d_inner, length), as Vim computes it: each channel's sequence contiguous for the scan.
    const torch::Tensor xz = torch::matmul(inProj_->weight, h.transpose(1, 2));
    torch::Tensor y = forward_.forward(xz, scan) + backward_.forward(xz.flip(-1), scan).flip(-1);
    if (divideOut_) y = y / 2;
    return outProj_->forward(y.transpose(1, 2));
  }

 private:
  bool divideOut_;
  torch::nn::Linear inProj_{nullptr}, outProj_{nullptr};
  plugin::MambaBranch forward_, backward_;
};

class Block : public torch::nn::Module {
 public:
  explicit Block(const EcgMambaConfig& c) {
    norm = register_module("norm", std::make_shared<RmsNorm>(c.embedDim, c.normEps));
    mixer = register_module("mixer", std::make_shared<BiMambaV2>(c));
  }
  std::shared_ptr<RmsNorm> norm;
  std::shared_ptr<BiMambaV2> mixer;
};

EcgMamba::EcgMamba(EcgMambaConfig config, SelectiveScan scan) : config_(std::move(config)), scan_(std::move(scan)) {
  namespace nn = torch::nn;
  config_.validate();
  const EcgMambaConfig& c = config_;
  patchEmbed_ = nn::Sequential();
  int64_t channels = c.inChannels;
  for (const StemLayer& l : c.stem) {  // modules 3i, 3i+1, 3i+2, as the reference's nn.Sequential numbers them
    patchEmbed_->push_back(nn::Conv1d(
        nn::Conv1dOptions(channels, l.channels, l.kernel).stride(l.stride).padding(l.padding).bias(c.stemConvBias)));
    patchEmbed_->push_back(nn::BatchNorm1d(nn::BatchNorm1dOptions(l.channels).eps(c.stemBnEps)));
    patchEmbed_->push_back(nn::ReLU());
    channels = l.channels;
  }
  register_module("patch_embed", patchEmbed_);
  clsToken_ = register_parameter("cls_token", torch::zeros({1, 1, c.embedDim}));
  posEmbed_ = register_parameter("pos_embed", torch::zeros({1, c.posEmbedLength, c.embedDim}));
  layers_ = register_module("layers", nn::ModuleList());
  for (int64_t i = 0; i < c.depth; ++i) layers_->push_back(std::make_shared<Block>(c));
  normF_ = register_module("norm_f", std::make_shared<RmsNorm>(c.embedDim, c.normEps));
  head_ = register_module("head", nn::Linear(c.embedDim, c.numClasses));
  eval();
}

// ---- Weights --------------------------------------------------------------------------------------------

void EcgMamba::loadStateDict(const std::map<std::string, torch::Tensor>& stateDict) {
  const EcgMambaConfig& c = config_;
  plugin::loadStateDictStrict(*this, stateDict,
                              "the state dict does not fit the ECG-Mamba architecture (embed_dim " + std::to_string(c.embedDim) +
                                  ", depth " + std::to_string(c.depth) + ", d_state " + std::to_string(c.dState) +
                                  ", pos_embed_length " + std::to_string(c.posEmbedLength) + ", num_classes " +
                                  std::to_string(c.numClasses) + ")");
}

void EcgMamba::loadStateDictFile(const std::string& path) {
  const auto stateDict = readStateDictFile(path);
  try {
    loadStateDict(stateDict);
  } catch (const std::invalid_argument& e) {
    throw FileError(path, e.what());
  }
}

std::map<std::string, torch::Tensor> readStateDictFile(const std::string& path) {
  static const std::string kHow =
      "write it with torch.save({k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}, path) "
      "(a plain dict of CPU tensors in torch.save's default zip format: LibTorch 1.13 cannot read the OrderedDict "
      "that state_dict() returns, nor the legacy format)";
  std::ifstream file(path, std::ios::binary);
  if (!file) throw FileError(path, "cannot be opened");
  const std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (file.bad()) throw FileError(path, "cannot be read");
  torch::IValue value;
  try {
    value = torch::pickle_load(bytes);
  } catch (const c10::Error& e) {
    const std::string why = e.what_without_backtrace();
    throw FileError(path, "LibTorch cannot read it (" + why.substr(0, why.find('\n')) + "); " + kHow);
  }
  if (!value.isGenericDict()) throw FileError(path, "holds no dict of tensors; " + kHow);
  std::map<std::string, torch::Tensor> stateDict;
  for (const auto& entry : value.toGenericDict()) {
    if (!entry.key().isString()) throw FileError(path, "has a key that is not a string; " + kHow);
    if (!entry.value().isTensor()) throw FileError(path, "'" + entry.key().toStringRef() + "' is not a tensor; " + kHow);
    stateDict[entry.key().toStringRef()] = entry.value().toTensor();
  }
  return stateDict;
}

// ---- Forward --------------------------------------------------------------------------------------------

torch::Tensor EcgMamba::forward(const torch::Tensor& input) {
  const EcgMambaConfig& c = config_;
  if (input.dim() != 3 || input.size(1) != c.inChannels || input.size(2) != c.inputLength)
    invalid("ECG-Mamba takes (batch, " + std::to_string(c.inChannels) + ", " + std::to_string(c.inputLength) +
            ") inputs (pad or crop the recording), not " + plugin::shapeText(input.sizes()));
  torch::Tensor x = patchEmbed_->forward(input).transpose(1, 2);  // (batch, tokens, embed)
  const int64_t i = c.clsTokenIndex;
  x = torch::cat({x.narrow(1, 0, i), clsToken_.expand({x.size(0), 1, c.embedDim}), x.narrow(1, i, x.size(1) - i)}, 1) +
      posEmbed_;
  // Vim's Block: residual = residual + hidden (the first block has no residual yet: residual = its input),
  // hidden = mixer(norm(residual)).
  torch::Tensor hidden = x, residual;
  for (size_t l = 0; l < layers_->size(); ++l) {
    Block& block = layers_->at<Block>(l);
    residual = residual.defined() ? residual + hidden : hidden;
    hidden = block.mixer->forward(block.norm->forward(residual), scan_);
  }
  // norm_f works token by token, and only the class token's output is used.
  return head_->forward(normF_->forward((residual + hidden).select(1, i)));
}

}  // namespace krait::ecg
