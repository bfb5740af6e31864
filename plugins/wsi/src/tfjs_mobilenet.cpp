#include "tfjs_mobilenet.h"

#include <krait/plugin_weights.hpp>

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace krait::wsi {
namespace {

using nlohmann::json;
using torch::Tensor;

// What is wrong with the model, without the file name (the constructor adds it; run() passes it on as the
// std::invalid_argument it is).
struct Invalid : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

template <typename T>
T get(const json& object, const char* key, const std::string& where) {
  if (!object.is_object() || !object.contains(key)) throw Invalid(where + " has no '" + key + "'");
  try {
    return object.at(key).get<T>();
  } catch (const json::exception&) {
    throw Invalid(where + ": '" + key + "' has an unexpected type");
  }
}

// ---- Weights --------------------------------------------------------------------------------------------

std::vector<uint8_t> readFile(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Invalid("weight shard " + path.string() + " cannot be opened");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (file.bad()) throw Invalid("weight shard " + path.string() + " cannot be read");
  return bytes;
}

// One weight of the manifest from `bytes` at `offset` (advanced past it). TF.js (io_utils.ts decodeWeights)
// dequantizes uint8/uint16 as v * scale + min in JavaScript doubles stored into a Float32Array; the same here.
Tensor decodeWeight(const json& spec, const std::vector<uint8_t>& bytes, size_t& offset) {
  const std::string name = get<std::string>(spec, "name", "a weight of the manifest");
  const std::string where = "weight '" + name + "'";
  const auto shape = get<std::vector<int64_t>>(spec, "shape", where);
  const std::string dtype = get<std::string>(spec, "dtype", where);
  if (dtype != "float32") throw Invalid(where + " has dtype " + dtype + " (a layer weight must be float32)");
  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  std::string stored = "float32";
  double scale = 0, min = 0;
  if (spec.contains("quantization")) {
    const json& q = spec.at("quantization");
    stored = get<std::string>(q, "dtype", where + "'s quantization");
    if (stored == "uint8" || stored == "uint16") {
      scale = get<double>(q, "scale", where + "'s quantization");
      min = get<double>(q, "min", where + "'s quantization");
    } else if (stored != "float16") {
      throw Invalid(where + " is quantized as " + stored + " (known: uint8, uint16 with min/scale; float16)");
    }
  }
  const size_t width = stored == "uint8" ? 1 : stored == "float32" ? 4 : 2;
  const size_t size = static_cast<size_t>(count) * width;
  if (offset + size > bytes.size())
    throw Invalid("the weight shards end inside " + where + " (" + std::to_string(bytes.size()) + " bytes)");
  const uint8_t* data = bytes.data() + offset;
  offset += size;
  Tensor values = torch::empty(shape, torch::kFloat32);
  float* out = values.data_ptr<float>();
  if (stored == "uint8" || stored == "uint16") {
    for (int64_t i = 0; i < count; ++i) {
      uint16_t q = data[i * width];
      if (width == 2) q = static_cast<uint16_t>(q | data[i * width + 1] << 8);  // little-endian, as TF.js writes
      out[i] = static_cast<float>(q * scale + min);
    }
  } else if (stored == "float16") {
    values.copy_(torch::from_blob(const_cast<uint8_t*>(data), shape, torch::kFloat16));
  } else {
    std::copy(data, data + size, reinterpret_cast<uint8_t*>(out));
  }
  return values;
}

// The manifest's weights by name. Each group's shards are one byte stream holding its weights in order.
std::map<std::string, Tensor> readWeights(const json& manifest, const std::filesystem::path& dir) {
  if (!manifest.is_array()) throw Invalid("'weightsManifest' is not a list of weight groups");
  std::map<std::string, Tensor> weights;
  for (const json& group : manifest) {
    std::vector<uint8_t> bytes;
    for (const auto& shard : get<std::vector<std::string>>(group, "paths", "a weight group")) {
      const std::vector<uint8_t> part = readFile(dir / shard);
      bytes.insert(bytes.end(), part.begin(), part.end());
    }
    size_t offset = 0;
    for (const json& spec : get<json>(group, "weights", "a weight group")) {
      const std::string name = get<std::string>(spec, "name", "a weight of the manifest");
      if (weights.count(name)) throw Invalid("the manifest names weight '" + name + "' twice");
      weights[name] = decodeWeight(spec, bytes, offset);
    }
    if (offset != bytes.size())
      throw Invalid("the weight shards hold " + std::to_string(bytes.size() - offset) +
                    " bytes more than the manifest describes");
  }
  return weights;
}

// Hands out the weights of the manifest to layers, checking their shapes; at the end none may be left over.
class WeightStore {
 public:
  explicit WeightStore(std::map<std::string, Tensor> weights) : weights_(std::move(weights)) {}

  // `layer/what` with `dims` dimensions, each the given size or any (-1).
  Tensor take(const std::string& layer, const std::string& what, const std::vector<int64_t>& dims) {
    const std::string name = layer + "/" + what;
    const auto it = weights_.find(name);
    if (it == weights_.end()) throw Invalid("the manifest has no weight '" + name + "'");
    const Tensor t = it->second;
    bool fits = t.dim() == static_cast<int64_t>(dims.size());
    for (size_t d = 0; fits && d < dims.size(); ++d) fits = dims[d] < 0 || t.size(d) == dims[d];
    if (!fits) throw Invalid("weight '" + name + "' is " + plugin::shapeText(t.sizes()) + ", expected " + plugin::shapeText(dims));
    weights_.erase(it);
    return t;
  }

  void checkAllUsed() const {
    if (weights_.empty()) return;
    std::string names;
    for (const auto& entry : weights_) names += (names.empty() ? "" : ", ") + entry.first;
    throw Invalid("the manifest has weights no layer uses: " + names);
  }

 private:
  std::map<std::string, Tensor> weights_;
};

// ---- Layers ---------------------------------------------------------------------------------------------

// One layer's Keras config, with errors naming the layer.
class Config {
 public:
  Config(std::string name, std::string className, json config)
      : name_(std::move(name)), className_(std::move(className)), config_(std::move(config)) {}

  [[noreturn]] void fail(const std::string& why) const {
    throw Invalid("layer '" + name_ + "' (" + className_ + "): " + why);
  }
  bool has(const char* key) const { return config_.contains(key) && !config_.at(key).is_null(); }
  template <typename T>
  T at(const char* key) const {
    if (!has(key)) fail("the config has no '" + std::string(key) + "'");
    try {
      return config_.at(key).get<T>();
    } catch (const json::exception&) {
      fail("'" + std::string(key) + "' has an unexpected type");
    }
  }
  // Keras' two-element options (kernel_size, strides, pool_size...): [a, b] or one number for both.
  std::array<int64_t, 2> pair(const char* key) const {
    if (has(key) && config_.at(key).is_number_integer()) return {at<int64_t>(key), at<int64_t>(key)};
    const auto v = at<std::vector<int64_t>>(key);
    if (v.size() != 2) fail("'" + std::string(key) + "' must have two values");
    return {v[0], v[1]};
  }
  void requireChannelsLast() const {
    if (has("data_format") && at<std::string>("data_format") != "channels_last")
      fail("data_format " + at<std::string>("data_format") + " (only channels_last)");
  }
  const std::string& name() const { return name_; }

 private:
  std::string name_, className_;
  json config_;
};

using Unary = std::function<Tensor(const Tensor&)>;

// Keras activation by name; softmax is over the channels (Keras' last axis, dimension 1 of an NCHW image).
Unary activation(const Config& c, const std::string& name) {
  if (name == "linear") return [](const Tensor& x) { return x; };
  if (name == "relu") return [](const Tensor& x) { return torch::relu(x); };
  if (name == "relu6") return [](const Tensor& x) { return torch::clamp(x, 0, 6); };
  if (name == "sigmoid") return [](const Tensor& x) { return torch::sigmoid(x); };
  if (name == "tanh") return [](const Tensor& x) { return torch::tanh(x); };
  if (name == "softmax") return [](const Tensor& x) { return torch::softmax(x, x.dim() == 4 ? 1 : -1); };
  c.fail("activation '" + name + "' (known: linear, relu, relu6, sigmoid, tanh, softmax)");
}

// TensorFlow's "same" padding of one axis: the output has ceil(in / stride) positions; the odd pixel goes last.
std::array<int64_t, 2> samePadding(int64_t in, int64_t kernel, int64_t stride, int64_t dilation) {
  const int64_t out = (in + stride - 1) / stride;
  const int64_t total = std::max<int64_t>((out - 1) * stride + (kernel - 1) * dilation + 1 - in, 0);
  return {total / 2, total - total / 2};
}

// Conv2D and DepthwiseConv2D; w = {OIHW kernel, bias or undefined}.
Tensor convolve(Tensor x, const std::vector<Tensor>& w, std::array<int64_t, 2> stride, std::array<int64_t, 2> dilation,
                bool same, int64_t groups) {
  std::array<int64_t, 2> padding = {0, 0};
  if (same) {
    const auto h = samePadding(x.size(2), w[0].size(2), stride[0], dilation[0]);
    const auto v = samePadding(x.size(3), w[0].size(3), stride[1], dilation[1]);
    if (h[0] == h[1] && v[0] == v[1])
      padding = {h[0], v[0]};
    else
      x = torch::constant_pad_nd(x, {v[0], v[1], h[0], h[1]});
  }
  return torch::conv2d(x, w[0], w[1], stride, padding, dilation, groups);
}

using Apply = std::function<Tensor(const std::vector<Tensor>& in, const std::vector<Tensor>& w)>;
using LinearConv = std::function<Tensor(const Tensor& x, const std::vector<Tensor>& w)>;

// What a layer becomes (the Layer fields of the same names).
struct Built {
  Built() = default;
  Built(std::vector<Tensor> w, Apply a, LinearConv conv = nullptr, double eps = 0)
      : weights(std::move(w)), apply(std::move(a)), linearConv(std::move(conv)), batchNormEps(eps) {}
  std::vector<Tensor> weights;
  Apply apply;
  LinearConv linearConv;
  double batchNormEps = 0;
};

// The inputs' count a layer class takes: 1, or 2+ for Add.
void requireInputs(const Config& c, size_t count, bool many) {
  if (many ? count < 2 : count != 1)
    c.fail("takes " + std::to_string(count) + " inputs, expected " + (many ? "2 or more" : "1"));
}

Built convLayer(const Config& c, WeightStore& store, bool depthwise) {
  c.requireChannelsLast();
  const auto kernel = c.pair("kernel_size");
  const auto stride = c.pair("strides");
  const auto dilation = c.has("dilation_rate") ? c.pair("dilation_rate") : std::array<int64_t, 2>{1, 1};
  const std::string padding = c.at<std::string>("padding");
  if (padding != "same" && padding != "valid") c.fail("padding '" + padding + "' (known: same, valid)");
  if ((stride[0] > 1 || stride[1] > 1) && (dilation[0] > 1 || dilation[1] > 1))
    c.fail("strides and dilation_rate both above 1 (Keras refuses that too)");
  Tensor k, bias;
  int64_t groups = 1;
  if (depthwise) {
    const int64_t multiplier = c.has("depth_multiplier") ? c.at<int64_t>("depth_multiplier") : 1;
    k = store.take(c.name(), "depthwise_kernel", {kernel[0], kernel[1], -1, multiplier});
    groups = k.size(2);
    // (H, W, C, M) -> (C, M, H, W) -> (C M, 1, H, W): output channel c M + m, as TensorFlow numbers them.
    k = k.permute({2, 3, 0, 1}).reshape({groups * multiplier, 1, kernel[0], kernel[1]}).contiguous();
  } else {
    k = store.take(c.name(), "kernel", {kernel[0], kernel[1], -1, c.at<int64_t>("filters")});
    k = k.permute({3, 2, 0, 1}).contiguous();  // HWIO -> OIHW
  }
  if (c.at<bool>("use_bias")) bias = store.take(c.name(), "bias", {k.size(0)});
  const std::string activationName = c.at<std::string>("activation");
  const Unary act = activation(c, activationName);
  const bool same = padding == "same";
  const auto linear = [=](const Tensor& x, const std::vector<Tensor>& w) {
    return convolve(x, w, stride, dilation, same, groups);
  };
  return {{k, bias},
          [=](const std::vector<Tensor>& in, const std::vector<Tensor>& w) { return act(linear(in[0], w)); },
          activationName == "linear" ? LinearConv(linear) : LinearConv()};
}

Built batchNormLayer(const Config& c, WeightStore& store) {
  const int64_t axis = c.at<int64_t>("axis");
  if (axis != -1 && axis != 3) c.fail("axis " + std::to_string(axis) + " (only the channels: -1 or 3)");
  const double eps = c.at<double>("epsilon");
  const Tensor mean = store.take(c.name(), "moving_mean", {-1});
  const int64_t channels = mean.size(0);
  const Tensor var = store.take(c.name(), "moving_variance", {channels});
  const Tensor gamma = c.at<bool>("scale") ? store.take(c.name(), "gamma", {channels}) : torch::ones({channels});
  const Tensor beta = c.at<bool>("center") ? store.take(c.name(), "beta", {channels}) : torch::zeros({channels});
  return {{gamma, beta, mean, var},
          [=](const std::vector<Tensor>& in, const std::vector<Tensor>& w) {
            if (axis == 3 && in[0].dim() != 4) c.fail("axis 3 on a " + std::to_string(in[0].dim()) + "-d input");
            return torch::batch_norm(in[0], w[0], w[1], w[2], w[3], false, 0.0, eps, false);
          },
          nullptr,
          eps};
}

Built reluLayer(const Config& c) {
  // TF.js' ReLU layer reads only max_value; Keras' negative_slope and threshold must then be 0 to mean the same.
  for (const char* key : {"negative_slope", "threshold"})
    if (c.has(key) && c.at<double>(key) != 0) c.fail(std::string(key) + " other than 0");
  if (!c.has("max_value"))
    return {{}, [](const std::vector<Tensor>& in, const std::vector<Tensor>&) { return torch::relu(in[0]); }};
  const double maxValue = c.at<double>("max_value");
  return {{},
          [=](const std::vector<Tensor>& in, const std::vector<Tensor>&) { return torch::clamp(in[0], 0, maxValue); }};
}

Built denseLayer(const Config& c, WeightStore& store) {
  const int64_t units = c.at<int64_t>("units");
  const Tensor kernel = store.take(c.name(), "kernel", {-1, units}).t().contiguous();  // (units, in) for linear
  const Tensor bias = c.at<bool>("use_bias") ? store.take(c.name(), "bias", {units}) : Tensor();
  const Unary act = activation(c, c.at<std::string>("activation"));
  return {{kernel, bias}, [=](const std::vector<Tensor>& in, const std::vector<Tensor>& w) {
            if (in[0].dim() != 2) c.fail("a " + std::to_string(in[0].dim()) + "-d input (only vectors)");
            return act(torch::linear(in[0], w[0], w[1]));
          }};
}

Built zeroPaddingLayer(const Config& c) {
  c.requireChannelsLast();
  // Keras: one number, [rows, cols] (both sides), or [[top, bottom], [left, right]].
  std::array<int64_t, 4> tblr;
  const json padding = c.at<json>("padding");
  if (padding.is_number_integer()) {
    const int64_t p = padding.get<int64_t>();
    tblr = {p, p, p, p};
  } else if (padding.is_array() && padding.size() == 2 && padding[0].is_number_integer()) {
    const auto rc = c.pair("padding");
    tblr = {rc[0], rc[0], rc[1], rc[1]};
  } else {
    const auto p = c.at<std::vector<std::vector<int64_t>>>("padding");
    if (p.size() != 2 || p[0].size() != 2 || p[1].size() != 2) c.fail("padding is not [[top, bottom], [left, right]]");
    tblr = {p[0][0], p[0][1], p[1][0], p[1][1]};
  }
  return {{}, [=](const std::vector<Tensor>& in, const std::vector<Tensor>&) {
            return torch::constant_pad_nd(in[0], {tblr[2], tblr[3], tblr[0], tblr[1]});
          }};
}

Built averagePoolingLayer(const Config& c) {
  c.requireChannelsLast();
  const auto pool = c.pair("pool_size");
  const auto stride = c.has("strides") ? c.pair("strides") : pool;
  if (c.at<std::string>("padding") != "valid") c.fail("padding '" + c.at<std::string>("padding") + "' (only valid)");
  return {{}, [=](const std::vector<Tensor>& in, const std::vector<Tensor>&) {
            return torch::avg_pool2d(in[0], {pool[0], pool[1]}, {stride[0], stride[1]});
          }};
}

Built buildLayer(const Config& c, const std::string& className, size_t inputs, WeightStore& store) {
  const auto identity = [](const std::vector<Tensor>& in, const std::vector<Tensor>&) { return in[0]; };
  if (className == "InputLayer") return {};
  if (className == "Add") {
    requireInputs(c, inputs, true);
    return {{}, [=](const std::vector<Tensor>& in, const std::vector<Tensor>&) {
              Tensor sum = in[0];
              for (size_t i = 1; i < in.size(); ++i) {
                // Keras' Add takes equal shapes; torch would broadcast silently.
                if (in[i].sizes() != in[0].sizes())
                  c.fail("adds " + plugin::shapeText(in[i].sizes()) + " to " + plugin::shapeText(in[0].sizes()));
                sum = sum + in[i];
              }
              return sum;
            }};
  }
  requireInputs(c, inputs, false);
  if (className == "Conv2D") return convLayer(c, store, false);
  if (className == "DepthwiseConv2D") return convLayer(c, store, true);
  if (className == "BatchNormalization") return batchNormLayer(c, store);
  if (className == "ReLU") return reluLayer(c);
  if (className == "Activation") {
    const Unary act = activation(c, c.at<std::string>("activation"));
    return {{}, [=](const std::vector<Tensor>& in, const std::vector<Tensor>&) { return act(in[0]); }};
  }
  if (className == "Dense") return denseLayer(c, store);
  if (className == "Dropout") return {{}, identity};  // at inference
  if (className == "ZeroPadding2D") return zeroPaddingLayer(c);
  if (className == "AveragePooling2D") return averagePoolingLayer(c);
  if (className == "GlobalAveragePooling2D") {
    c.requireChannelsLast();
    return {{}, [](const std::vector<Tensor>& in, const std::vector<Tensor>&) { return in[0].mean({2, 3}); }};
  }
  if (className == "Flatten") {
    c.requireChannelsLast();
    // Keras flattens NHWC: the channel varies fastest.
    return {{}, [](const std::vector<Tensor>& in, const std::vector<Tensor>&) {
              return in[0].dim() == 4 ? in[0].permute({0, 2, 3, 1}).flatten(1) : in[0].flatten(1);
            }};
  }
  c.fail(
      "unknown layer class (known: InputLayer, ZeroPadding2D, Conv2D, DepthwiseConv2D, BatchNormalization, "
      "ReLU, Activation, Add, AveragePooling2D, GlobalAveragePooling2D, Flatten, Dense, Dropout)");
}

}  // namespace

// ---- Model ----------------------------------------------------------------------------------------------

TfjsLayersModel::TfjsLayersModel(const std::string& modelJsonPath) {
  try {
    std::ifstream file(modelJsonPath);
    if (!file) throw Invalid("cannot be opened");
    json model;
    try {
      model = json::parse(file);
    } catch (const json::exception& e) {
      throw Invalid(std::string("is not JSON (") + e.what() + ")");
    }
    if (model.contains("format") && model.at("format") != "layers-model")
      throw Invalid("is a TF.js '" + model.at("format").get<std::string>() + "', not a layers-model");
    const json topology = get<json>(get<json>(model, "modelTopology", "model.json"), "model_config", "modelTopology");
    const std::string modelClass = get<std::string>(topology, "class_name", "model_config");
    if (modelClass != "Model" && modelClass != "Functional")
      throw Invalid("is a Keras " + modelClass + " model (only functional models: Model or Functional)");
    const json config = get<json>(topology, "config", "model_config");

    WeightStore store(readWeights(get<json>(model, "weightsManifest", "model.json"),
                                  std::filesystem::path(modelJsonPath).parent_path()));
    std::map<std::string, size_t> index;
    for (const json& layer : get<json>(config, "layers", "model_config")) {
      const std::string name = get<std::string>(layer, "name", "a layer");
      const std::string className = get<std::string>(layer, "class_name", "layer '" + name + "'");
      const Config c(name, className, get<json>(layer, "config", "layer '" + name + "'"));
      if (index.count(name)) c.fail("a second layer of that name");
      Layer l;
      l.name = name;
      l.className = className;
      // inbound_nodes: one node (a layer called once) listing [layer name, node index, tensor index, kwargs].
      const json nodes = get<json>(layer, "inbound_nodes", "layer '" + name + "'");
      if (nodes.size() > 1)
        c.fail("is called " + std::to_string(nodes.size()) + " times (shared layers are not supported)");
      for (const json& inbound : nodes.empty() ? json::array() : nodes[0]) {
        if (!inbound.is_array() || inbound.size() < 3 || !inbound[0].is_string() || inbound[1] != 0 || inbound[2] != 0)
          c.fail("an inbound node other than [name, 0, 0, {}]: " + inbound.dump());
        const auto from = index.find(inbound[0].get<std::string>());
        if (from == index.end())
          c.fail("takes '" + inbound[0].get<std::string>() + "', which no earlier layer is (not in topological order)");
        l.inputs.push_back(from->second);
      }
      if (className == "InputLayer") {
        if (!l.inputs.empty()) c.fail("an input layer with inbound nodes");
        if (c.has("dtype") && c.at<std::string>("dtype") != "float32")
          c.fail("input dtype " + c.at<std::string>("dtype"));
        const json shape = c.at<json>("batch_input_shape");
        if (!shape.is_array() || shape.size() != 4)
          c.fail("an input that is not an image (batch, height, width, channels)");
        for (int d = 0; d < 3; ++d) inputShape_[d] = shape[d + 1].is_null() ? 0 : shape[d + 1].get<int64_t>();
        if (index.size() != 0 || inputShape_[2] == 0) c.fail("not the first layer, or without a channel count");
      } else if (l.inputs.empty()) {
        c.fail("has no inbound node");
      }
      Built built = buildLayer(c, className, l.inputs.size(), store);
      l.weights = std::move(built.weights);
      l.apply = std::move(built.apply);
      l.linearConv = std::move(built.linearConv);
      l.batchNormEps = built.batchNormEps;
      index[name] = layers_.size();
      layers_.push_back(std::move(l));
    }
    store.checkAllUsed();
    const auto inputs = get<json>(config, "input_layers", "model_config");
    const auto outputs = get<json>(config, "output_layers", "model_config");
    if (inputs.size() != 1 || layers_.empty() || layers_[0].className != "InputLayer" ||
        inputs[0][0] != layers_[0].name)
      throw Invalid("the model must have one input, its first layer");
    if (outputs.size() != 1 || !index.count(outputs[0][0].get<std::string>()))
      throw Invalid("the model must have one output, one of its layers");
    outputIndex_ = index.at(outputs[0][0].get<std::string>());
    foldBatchNorms();
  } catch (const Invalid& e) {
    throw EncoderError(modelJsonPath, e.what());
  } catch (const json::exception& e) {
    throw EncoderError(modelJsonPath, std::string("unexpected model.json structure (") + e.what() + ")");
  }
}

// A batch norm whose input is a convolution without activation read by nothing else becomes that convolution
// with w' = w s, b' = (b - mean) s + beta, s = gamma / sqrt(var + eps) (computed in double): one pass over the
// activations instead of two. The convolution layer stays, unused unless a caller asks for its own output.
void TfjsLayersModel::foldBatchNorms() {
  std::vector<int> readers(layers_.size(), 0);
  for (const Layer& l : layers_)
    for (size_t j : l.inputs) ++readers[j];
  for (Layer& bn : layers_) {
    if (bn.className != "BatchNormalization" || bn.inputs.size() != 1) continue;
    const Layer& conv = layers_[bn.inputs[0]];
    if (!conv.linearConv || readers[bn.inputs[0]] != 1) continue;
    const Tensor scale =
        bn.weights[0].to(torch::kFloat64) / (bn.weights[3].to(torch::kFloat64) + bn.batchNormEps).sqrt();
    const Tensor kernel = conv.weights[0].to(torch::kFloat64) * scale.view({-1, 1, 1, 1});
    const Tensor bias = conv.weights[1].defined() ? conv.weights[1].to(torch::kFloat64) : torch::zeros_like(scale);
    bn.weights = {kernel.to(torch::kFloat32),
                  ((bias - bn.weights[2].to(torch::kFloat64)) * scale + bn.weights[1]).to(torch::kFloat32)};
    bn.inputs = conv.inputs;
    bn.apply = [convolution = conv.linearConv](const std::vector<Tensor>& in, const std::vector<Tensor>& w) {
      return convolution(in[0], w);
    };
  }
}

std::vector<std::string> TfjsLayersModel::layerNames() const {
  std::vector<std::string> names;
  for (const Layer& l : layers_) names.push_back(l.name);
  return names;
}

size_t TfjsLayersModel::indexOf(const std::string& layer) const {
  for (size_t i = 0; i < layers_.size(); ++i)
    if (layers_[i].name == layer) return i;
  throw std::invalid_argument("the model has no layer '" + layer + "'");
}

const std::string& TfjsLayersModel::inputOf(const std::string& layer) const {
  const Layer& l = layers_[indexOf(layer)];
  if (l.inputs.size() != 1)
    throw std::invalid_argument("layer '" + layer + "' takes " + std::to_string(l.inputs.size()) + " inputs, not 1");
  return layers_[l.inputs[0]].name;
}

std::string TfjsLayersModel::firstLayerOfClass(const std::string& className) const {
  for (const Layer& l : layers_)
    if (l.className == className) return l.name;
  return "";
}

std::vector<Tensor> TfjsLayersModel::run(const Tensor& input, const std::vector<std::string>& outputs) const {
  const bool fits = input.dim() == 4 && input.size(1) == inputShape_[2] &&
                    (inputShape_[0] == 0 || input.size(2) == inputShape_[0]) &&
                    (inputShape_[1] == 0 || input.size(3) == inputShape_[1]);
  if (!fits)
    throw std::invalid_argument("the model takes (N, " + std::to_string(inputShape_[2]) + ", " +
                                std::to_string(inputShape_[0]) + ", " + std::to_string(inputShape_[1]) +
                                ") inputs (0: any), not " + plugin::shapeText(input.sizes()));
  // The layers the outputs need, and how many of those read each layer's output (to free it after the last).
  std::vector<size_t> wanted;
  for (const std::string& name : outputs) wanted.push_back(indexOf(name));
  std::vector<char> needed(layers_.size(), 0), keep(layers_.size(), 0);
  for (size_t i : wanted) needed[i] = keep[i] = 1;
  std::vector<int> readers(layers_.size(), 0);
  for (size_t i = layers_.size(); i-- > 0;)
    if (needed[i])
      for (size_t j : layers_[i].inputs) needed[j] = 1, ++readers[j];
  std::vector<Tensor> values(layers_.size());
  std::vector<Tensor> in;
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (!needed[i]) continue;
    const Layer& l = layers_[i];
    if (l.inputs.empty()) {
      // oneDNN's convolutions (depthwise ones above all) run 1.5-3x faster on channels-last images.
      values[i] = input.contiguous(torch::MemoryFormat::ChannelsLast);
      continue;
    }
    in.clear();
    for (size_t j : l.inputs) in.push_back(values[j]);
    values[i] = l.apply(in, l.weights);
    in.clear();
    for (size_t j : l.inputs)
      if (--readers[j] == 0 && !keep[j]) values[j] = Tensor();
  }
  std::vector<Tensor> result;
  for (size_t i : wanted) result.push_back(values[i]);
  return result;
}

void TfjsLayersModel::to(torch::Device device) {
  for (Layer& l : layers_)
    for (Tensor& w : l.weights)
      if (w.defined()) w = w.to(device);
}

// ---- Encoder --------------------------------------------------------------------------------------------

TfjsEncoder::TfjsEncoder(const EncoderSpec& spec) : Encoder(spec.inputSize, spec.mean, spec.std), model_(spec.path) {
  const std::string dense = model_.firstLayerOfClass("Dense");
  if (dense.empty()) throw EncoderError(spec.path, "has no Dense layer, so no pooled feature before a head");
  featureLayer_ = model_.inputOf(dense);
  if (model_.inputChannels() != 3 || model_.inputHeight() != spec.inputSize || model_.inputWidth() != spec.inputSize)
    throw EncoderError(spec.path, "takes " + std::to_string(model_.inputHeight()) + " x " +
                                      std::to_string(model_.inputWidth()) + " x " +
                                      std::to_string(model_.inputChannels()) + " inputs, not the encoder spec's " +
                                      std::to_string(spec.inputSize) + " x " + std::to_string(spec.inputSize) + " RGB");
  torch::NoGradGuard noGrad;
  Tensor probe;
  try {
    probe = forward(torch::zeros({1, 3, spec.inputSize, spec.inputSize}));
  } catch (const c10::Error& e) {
    const std::string why = e.what_without_backtrace();
    throw EncoderError(spec.path, "fails on a zero input (" + why.substr(0, why.find('\n')) + ")");
  } catch (const Invalid& e) {
    throw EncoderError(spec.path, e.what());
  }
  if (probe.dim() != 2)
    throw EncoderError(spec.path, "its feature layer '" + featureLayer_ + "' gives " + plugin::shapeText(probe.sizes()) +
                                      " per batch, not vectors");
  outDim_ = probe.size(1);
  if (spec.outDim != 0 && spec.outDim != outDim_)
    throw EncoderError(spec.path, "gives " + std::to_string(outDim_) + "-d features, not the " +
                                      std::to_string(spec.outDim) + " the encoder spec asks for");
}

}  // namespace krait::wsi
