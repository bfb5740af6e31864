#include "mil_model.h"

#include <krait/plugin_weights.hpp>

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace krait::wsi {
namespace {

using nlohmann::json;
// Fixed by the official code, as mamba_ssm's defaults and MambaMIL's attention: d_state, d_conv, expand, the
// attention's hidden size; dt_rank is "auto", ceil(d_model / 16).
constexpr int64_t kState = 16, kConv = 4, kExpand = 2, kAttention = 128;

[[noreturn]] void invalid(const std::string& what) { throw std::invalid_argument(what); }

// The official mixers (mamba_ssm's SRMamba, BiMamba, Mamba in MambaMIL's bundled copy) with their fast paths'
// arithmetic: in_proj (no bias), one or two scan branches, out_proj (no bias).
class Mixer : public torch::nn::Module {
 public:
  Mixer(const std::string& type, int64_t rate, int64_t dModel) : type_(type), rate_(rate) {
    namespace nn = torch::nn;
    const int64_t inner = kExpand * dModel, dtRank = (dModel + 15) / 16;
    inProj_ = register_module("in_proj", nn::Linear(nn::LinearOptions(dModel, 2 * inner).bias(false)));
    forward_ = plugin::MambaBranch(*this, "", inner, kState, kConv, dtRank);
    if (type != "Mamba") backward_ = plugin::MambaBranch(*this, "_b", inner, kState, kConv, dtRank);
    outProj_ = register_module("out_proj", nn::Linear(nn::LinearOptions(inner, dModel).bias(false)));
  }

  torch::Tensor forward(const torch::Tensor& h, const plugin::ScanFunction& scan) {
    const torch::Tensor xz = torch::matmul(inProj_->weight, h.transpose(1, 2));  // (1, 2 d_inner, N)
    torch::Tensor y = forward_.forward(xz, scan);
    if (type_ == "BiMamba") {
      y = y + backward_.forward(xz.flip(-1), scan).flip(-1);
    } else if (type_ == "SRMamba") {
      // Pads are exact zeros of xz, inside the re-ordered sequence: they change the state, as in the original.
      const int64_t n = xz.size(2);
      const std::vector<int64_t> order = srMambaOrder(n, rate_);
      const int64_t padded = static_cast<int64_t>(order.size());
      const torch::Tensor xzPadded = torch::constant_pad_nd(xz, {0, padded - n});
      const torch::Tensor index = torch::tensor(order, torch::TensorOptions().dtype(torch::kLong).device(xz.device()));
      const torch::Tensor yr = backward_.forward(xzPadded.index_select(2, index), scan);
      // Back to bag order: position order[i] received yr[..., i]; then drop the pads.
      y = y + torch::zeros_like(yr).index_copy(2, index, yr).narrow(2, 0, n);
    }
    return outProj_->forward(y.transpose(1, 2));
  }

 private:
  std::string type_;
  int64_t rate_;
  torch::nn::Linear inProj_{nullptr}, outProj_{nullptr};
  plugin::MambaBranch forward_, backward_;
};

class Layer : public torch::nn::Module {
 public:
  Layer(const std::string& type, int64_t rate, int64_t dModel) {
    // nn.Sequential(LayerNorm, mixer): children "0" and "1".
    norm = register_module("0", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dModel})));
    mixer = register_module("1", std::make_shared<Mixer>(type, rate, dModel));
  }
  torch::nn::LayerNorm norm{nullptr};
  std::shared_ptr<Mixer> mixer;
};


template <typename T>
T field(const json& object, const char* key, const T* fallback = nullptr) {
  if (!object.is_object() || !object.contains(key)) {
    if (fallback) return *fallback;
    invalid(std::string("the aggregator has no '") + key + "'");
  }
  try {
    return object.at(key).get<T>();
  } catch (const json::exception&) {
    invalid(std::string("the aggregator's '") + key + "' has an unexpected type");
  }
}

}  // namespace

MilConfig MilConfig::fromJson(const json& a) {
  MilConfig c;
  c.kind = field<std::string>(a, "kind");
  c.inDim = field<int64_t>(a, "in_dim");
  c.numClasses = field<int64_t>(a, "num_classes");
  c.mixer = field<std::string>(a, "mixer", &c.mixer);
  c.layers = field<int64_t>(a, "layers", &c.layers);
  c.rate = field<int64_t>(a, "rate", &c.rate);
  c.activation = field<std::string>(a, "activation", &c.activation);
  c.dModel = field<int64_t>(a, "d_model", &c.dModel);
  c.validate();
  return c;
}

json MilConfig::toJson() const {
  json j = {{"kind", kind}, {"in_dim", inDim}, {"num_classes", numClasses}, {"activation", activation}, {"d_model", dModel}};
  if (kind == "mambamil") j.update({{"mixer", mixer}, {"layers", layers}, {"rate", rate}});
  return j;
}

void MilConfig::validate() const {
  if (kind != "mambamil" && kind != "abmil") invalid("aggregator kind '" + kind + "' (mambamil or abmil)");
  if (kind == "mambamil" && mixer != "SRMamba" && mixer != "BiMamba" && mixer != "Mamba")
    invalid("mixer '" + mixer + "' (SRMamba, BiMamba or Mamba)");
  if (inDim < 1 || numClasses < 1 || dModel < 1) invalid("the aggregator's in_dim, num_classes and d_model must be positive");
  if (kind == "mambamil" && (layers < 1 || rate < 1)) invalid("the aggregator's layers and rate must be positive");
  if (activation != "gelu" && activation != "relu") invalid("activation '" + activation + "' (gelu or relu)");
}

std::vector<int64_t> srMambaOrder(int64_t length, int64_t rate) {
  const int64_t rows = (length + rate - 1) / rate;  // (value + 1) when length is not a multiple of rate
  std::vector<int64_t> order;
  order.reserve(static_cast<size_t>(rows * rate));
  for (int64_t column = 0; column < rate; ++column)
    for (int64_t row = 0; row < rows; ++row) order.push_back(row * rate + column);
  return order;
}

MilModel::MilModel(MilConfig config, plugin::ScanFunction scan) : config_(std::move(config)), scan_(std::move(scan)) {
  namespace nn = torch::nn;
  config_.validate();
  const MilConfig& c = config_;
  fc1_ = nn::Sequential(nn::Linear(c.inDim, c.dModel));
  if (c.activation == "gelu") fc1_->push_back(nn::GELU());
  else fc1_->push_back(nn::ReLU());
  attention_ = nn::Sequential(nn::Linear(c.dModel, kAttention), nn::Tanh(), nn::Linear(kAttention, 1));
  if (c.kind == "mambamil") {
    register_module("_fc1", fc1_);
    layers_ = register_module("layers", nn::ModuleList());
    for (int64_t i = 0; i < c.layers; ++i) layers_->push_back(std::make_shared<Layer>(c.mixer, c.rate, c.dModel));
    norm_ = register_module("norm", nn::LayerNorm(nn::LayerNormOptions({c.dModel})));
    register_module("attention", attention_);
    head_ = register_module("classifier", nn::Linear(c.dModel, c.numClasses));
  } else {
    register_module("feature", fc1_);
    register_module("attention", attention_);
    classifier_ = register_module("classifier", nn::Sequential(nn::Linear(c.dModel, c.numClasses)));
  }
  eval();
}

void MilModel::loadStateDict(const std::map<std::string, torch::Tensor>& stateDict) {
  plugin::loadStateDictStrict(*this, stateDict,
                              "the weights do not fit this " + config_.kind + " (" + config_.mixer + ", " + std::to_string(config_.layers) +
                                  " layers, in_dim " + std::to_string(config_.inDim) + ", " + std::to_string(config_.numClasses) + " classes)");
}

MilOutput MilModel::forward(const torch::Tensor& features) {
  torch::Tensor x = features.dim() == 2 ? features.unsqueeze(0) : features;
  if (x.dim() != 3 || x.size(0) != 1 || x.size(1) < 1 || x.size(2) != config_.inDim)
    invalid("a bag of features must be (N, " + std::to_string(config_.inDim) + ") with N >= 1, not " + plugin::shapeText(features.sizes()));
  torch::Tensor h = fc1_->forward(x.to(torch::kFloat32));  // (1, N, 512)
  if (config_.kind == "mambamil") {
    for (const auto& module : *layers_) {
      auto* layer = module->as<Layer>();
      h = h + layer->mixer->forward(layer->norm->forward(h), scan_);
    }
    h = norm_->forward(h);
  }
  const torch::Tensor attention = torch::softmax(attention_->forward(h).squeeze(-1), -1);  // (1, N)
  const torch::Tensor pooled = torch::matmul(attention, h.squeeze(0));                      // (1, 512)
  const torch::Tensor logits = config_.kind == "mambamil" ? head_->forward(pooled) : classifier_->forward(pooled);
  return {logits.squeeze(0), torch::softmax(logits, -1).squeeze(0), attention.squeeze(0)};
}

}  // namespace krait::wsi
