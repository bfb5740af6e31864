// krait/plugin.hpp: a header-only C++ layer over the C ABI of krait/plugin.h. A plugin derives its network
// (or classifier) from a class here, registers it in KRAIT_PLUGIN's body, and throws where it fails: the layer
// turns exceptions into statuses and messages at the ABI boundary, so none crosses into Krait.
//
//   #include <krait/plugin.hpp>
//   class MyNet : public krait::plugin::Network { ... };
//   KRAIT_PLUGIN("my-net", "1.0.0", "MyNet for nnUNetTrainerMyNet") { host.network<MyNet>("nnUNetTrainerMyNet"); }
//
// krait/plugin_torch.hpp adds conversions between DLPack and LibTorch tensors.
#pragma once

#include <krait/plugin.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace krait::plugin {

// Thrown by a plugin's code to fail with a status other than KRAIT_ERROR_INTERNAL.
class Failure : public std::runtime_error {
 public:
  Failure(KraitStatus status, const std::string& message) : std::runtime_error(message), status_(status) {}
  KraitStatus status() const { return status_; }

 private:
  KraitStatus status_;
};

inline Failure inputError(const std::string& message) { return {KRAIT_ERROR_INPUT, message}; }
inline Failure unsupported(const std::string& message) { return {KRAIT_ERROR_UNSUPPORTED, message}; }

namespace detail {

inline void setMessage(KraitError* error, const char* message) {
  if (!error) return;
  std::strncpy(error->message, message, sizeof error->message - 1);
  error->message[sizeof error->message - 1] = '\0';
}

// Runs f; every exception becomes a status and a message.
template <typename F>
KraitStatus guard(KraitError* error, F&& f) noexcept {
  setMessage(error, "");
  try {
    f();
    return KRAIT_OK;
  } catch (const Failure& e) {
    setMessage(error, e.what());
    return e.status();
  } catch (const std::bad_alloc&) {
    setMessage(error, "out of memory");
    return KRAIT_ERROR_RESOURCES;
  } catch (const std::exception& e) {
    setMessage(error, e.what());
    return KRAIT_ERROR_INTERNAL;
  } catch (...) {
    setMessage(error, "unknown exception");
    return KRAIT_ERROR_INTERNAL;
  }
}

}  // namespace detail

// ---- Tensors without a tensor library ------------------------------------------------------------------------

template <typename T>
DLDataType dlTypeOf() {
  static_assert(std::is_arithmetic_v<T>, "a number type");
  const uint8_t code = std::is_floating_point_v<T> ? kDLFloat : std::is_signed_v<T> ? kDLInt : kDLUInt;
  return {code, static_cast<uint8_t>(8 * sizeof(T)), 1};
}

// A compact CPU tensor that owns its values, handed over as DLPack: its deleter frees it.
template <typename T>
DLManagedTensor* ownedTensor(std::vector<T> values, std::vector<int64_t> shape) {
  struct Owner {
    std::vector<T> values;
    std::vector<int64_t> shape;
    DLManagedTensor managed{};
  };
  auto* owner = new Owner{std::move(values), std::move(shape)};
  DLTensor& t = owner->managed.dl_tensor;
  t.data = owner->values.data();
  t.device = {kDLCPU, 0};
  t.ndim = static_cast<int32_t>(owner->shape.size());
  t.dtype = dlTypeOf<T>();
  t.shape = owner->shape.data();
  t.strides = nullptr;
  t.byte_offset = 0;
  owner->managed.manager_ctx = owner;
  owner->managed.deleter = [](DLManagedTensor* self) { delete static_cast<Owner*>(self->manager_ctx); };
  return &owner->managed;
}

// The values of a compact CPU tensor (any integer or floating type of 8 to 64 bits) as doubles.
inline std::vector<double> toDoubles(const DLTensor& t) {
  if (t.device.device_type != kDLCPU) throw unsupported("toDoubles: the tensor is not on the CPU");
  int64_t n = 1;
  for (int32_t d = 0; d < t.ndim; ++d) n *= t.shape[d];
  if (t.strides) {
    int64_t expected = 1;
    for (int32_t d = t.ndim - 1; d >= 0; --d) {
      if (t.shape[d] != 1 && t.strides[d] != expected) throw unsupported("toDoubles: the tensor is not compact");
      expected *= t.shape[d];
    }
  }
  const char* base = static_cast<const char*>(t.data) + t.byte_offset;
  std::vector<double> out(static_cast<size_t>(n));
  const auto copy = [&](auto zero) {
    using T = decltype(zero);
    for (int64_t i = 0; i < n; ++i) {
      T v;
      std::memcpy(&v, base + i * static_cast<int64_t>(sizeof(T)), sizeof(T));
      out[static_cast<size_t>(i)] = static_cast<double>(v);
    }
  };
  const int bits = t.dtype.bits;
  if (t.dtype.lanes != 1) throw unsupported("toDoubles: vector types are not supported");
  if (t.dtype.code == kDLFloat && bits == 32) copy(float{});
  else if (t.dtype.code == kDLFloat && bits == 64) copy(double{});
  else if (t.dtype.code == kDLInt && bits == 8) copy(int8_t{});
  else if (t.dtype.code == kDLInt && bits == 16) copy(int16_t{});
  else if (t.dtype.code == kDLInt && bits == 32) copy(int32_t{});
  else if (t.dtype.code == kDLInt && bits == 64) copy(int64_t{});
  else if (t.dtype.code == kDLUInt && bits == 8) copy(uint8_t{});
  else if (t.dtype.code == kDLUInt && bits == 16) copy(uint16_t{});
  else if (t.dtype.code == kDLUInt && bits == 32) copy(uint32_t{});
  else if (t.dtype.code == kDLUInt && bits == 64) copy(uint64_t{});
  else throw unsupported("toDoubles: unsupported element type");
  return out;
}

// ---- Networks --------------------------------------------------------------------------------------------------

struct NetworkSpec {
  std::string trainer, configuration, configurationJson, plansJson, datasetJson;
  int64_t inputChannels = 0, outputChannels = 0;
};

struct NamedTensor {
  std::string name;
  const DLTensor* tensor;
};

// A plugin's network: constructed from the spec (throw for a configuration it cannot build), then given the
// checkpoint's weights, moved to a device, and run tile by tile.
class Network {
 public:
  virtual ~Network() = default;
  virtual const char* name() const = 0;  // a string literal
  virtual int dims() const = 0;          // 2 or 3
  virtual std::array<int64_t, 3> tileDivisor() const { return {1, 1, 1}; }
  // Strict: throw inputError naming missing, unexpected or misshapen keys.
  virtual void loadWeights(const std::vector<NamedTensor>& weights) = 0;
  virtual void to(DLDevice device, DLDataType dtype) = 0;
  virtual DLManagedTensor* forward(const DLTensor& input) = 0;
};

// ---- Classifiers ---------------------------------------------------------------------------------------------

struct Label {
  std::string id, name, code;
  double threshold = 0.5;
};

// Progress that can cancel: report() is false once the user asked to stop; checkCancelled() throws then.
class Progress {
 public:
  explicit Progress(const KraitProgress* p) : p_(p) {}
  bool report(const char* stage, int64_t done, int64_t total) const {
    return !p_ || !p_->report || p_->report(p_->context, stage, done, total) != 0;
  }
  void checkCancelled(const char* stage, int64_t done, int64_t total) const {
    if (!report(stage, done, total)) throw Failure(KRAIT_ERROR_CANCELLED, "cancelled");
  }

 private:
  const KraitProgress* p_;
};

// A plugin's classifier model: constructed from (model path, device), then asked for scores, one per label.
class Classifier {
 public:
  virtual ~Classifier() = default;
  virtual std::string modelName() const = 0;
  virtual std::vector<Label> labels() const = 0;
  virtual bool multiLabel() const { return true; }
  virtual std::vector<float> classify(const KraitData& data, const Progress& progress) = 0;
};

// ---- Readers -------------------------------------------------------------------------------------------------

// What a reader returns; `tensor` is handed over (the layer calls its deleter on release).
struct Data {
  KraitDataKind kind = KRAIT_DATA_NONE;
  std::string source;
  DLManagedTensor* tensor = nullptr;
  std::array<double, 3> spacing{1, 1, 1}, origin{0, 0, 0};
  std::array<double, 9> direction{1, 0, 0, 0, 1, 0, 0, 0, 1};
  double samplingRateHz = 0.0;
  std::vector<std::string> channelNames;
};

namespace detail {

struct HeldClassifier {
  std::unique_ptr<Classifier> classifier;
  std::string modelName;
  std::vector<Label> labels;
  std::vector<KraitLabel> table;
};

struct HeldData {
  Data data;
  std::vector<const char*> names;
  HeldData() = default;
  HeldData(const HeldData&) = delete;
  HeldData& operator=(const HeldData&) = delete;
  ~HeldData() {
    if (data.tensor && data.tensor->deleter) data.tensor->deleter(data.tensor);
  }
};

inline Network* networkOf(KraitNetwork* n) { return reinterpret_cast<Network*>(n); }
inline HeldClassifier* classifierOf(KraitClassifier* c) { return reinterpret_cast<HeldClassifier*>(c); }

}  // namespace detail

// ---- Registration ----------------------------------------------------------------------------------------------

// The host as KRAIT_PLUGIN's body sees it. Names passed here must be string literals (they must outlive the
// registration). Every method throws Failure when Krait refuses the registration.
class Host {
 public:
  explicit Host(const KraitHost* host) : host_(host) {}
  const char* kraitVersion() const { return host_->krait_version; }
  // The host table itself: valid for the life of the process, so networks and classifiers may keep it to call
  // the operations Krait offers (krait/plugin_scan.hpp).
  const KraitHost* table() const { return host_; }
  void log(KraitLogLevel level, const std::string& message) const { host_->log(host_->context, level, message.c_str()); }

  // N: a Network with a constructor N(const NetworkSpec&).
  template <class N>
  void network(const char* trainer) const {
    KraitNetworkKind kind{};
    kind.struct_size = sizeof kind;
    kind.trainer = trainer;
    kind.create = [](void*, const KraitNetworkSpec* s, KraitNetwork** out, KraitNetworkInfo* info, KraitError* e) {
      return detail::guard(e, [&] {
        const NetworkSpec spec{s->trainer, s->configuration, s->configuration_json, s->plans_json, s->dataset_json,
                               s->input_channels, s->output_channels};
        std::unique_ptr<Network> net = std::make_unique<N>(spec);
        info->name = net->name();
        info->dims = net->dims();
        const std::array<int64_t, 3> divisor = net->tileDivisor();
        std::memcpy(info->tile_divisor, divisor.data(), sizeof info->tile_divisor);
        *out = reinterpret_cast<KraitNetwork*>(net.release());
      });
    };
    kind.load_weights = [](KraitNetwork* n, const KraitNamedTensor* w, size_t count, KraitError* e) {
      return detail::guard(e, [&] {
        std::vector<NamedTensor> weights;
        for (size_t i = 0; i < count; ++i) weights.push_back({w[i].name, w[i].tensor});
        detail::networkOf(n)->loadWeights(weights);
      });
    };
    kind.to = [](KraitNetwork* n, DLDevice device, DLDataType dtype, KraitError* e) {
      return detail::guard(e, [&] { detail::networkOf(n)->to(device, dtype); });
    };
    kind.forward = [](KraitNetwork* n, const DLTensor* input, DLManagedTensor** output, KraitError* e) {
      return detail::guard(e, [&] { *output = detail::networkOf(n)->forward(*input); });
    };
    kind.destroy = [](KraitNetwork* n) { delete detail::networkOf(n); };
    check(host_->register_network(host_->context, &kind, &error_));
  }

  // C: a Classifier with a constructor C(const std::string& model, const std::string& device).
  template <class C>
  void classifier(const char* id, KraitDataKind dataKind, const char* description) const {
    KraitClassifierKind kind{};
    kind.struct_size = sizeof kind;
    kind.id = id;
    kind.data_kind = dataKind;
    kind.description = description;
    kind.open = [](void*, const char* model, const char* device, KraitClassifier** out, KraitClassifierInfo* info,
                   KraitError* e) {
      return detail::guard(e, [&] {
        auto held = std::make_unique<detail::HeldClassifier>();
        held->classifier = std::make_unique<C>(model, device);
        held->modelName = held->classifier->modelName();
        held->labels = held->classifier->labels();
        for (const Label& l : held->labels) held->table.push_back({l.id.c_str(), l.name.c_str(), l.code.c_str(), l.threshold});
        info->model_name = held->modelName.c_str();
        info->label_count = held->table.size();
        info->labels = held->table.data();
        info->multi_label = held->classifier->multiLabel() ? 1 : 0;
        *out = reinterpret_cast<KraitClassifier*>(held.release());
      });
    };
    kind.classify = [](KraitClassifier* c, const KraitData* data, const KraitProgress* progress, float* scores,
                       KraitError* e) {
      return detail::guard(e, [&] {
        detail::HeldClassifier* held = detail::classifierOf(c);
        const std::vector<float> s = held->classifier->classify(*data, Progress(progress));
        if (s.size() != held->table.size())
          throw std::logic_error("classify() gave " + std::to_string(s.size()) + " scores for " +
                                 std::to_string(held->table.size()) + " labels");
        std::memcpy(scores, s.data(), s.size() * sizeof(float));
      });
    };
    kind.close = [](KraitClassifier* c) { delete detail::classifierOf(c); };
    check(host_->register_classifier(host_->context, &kind, &error_));
  }

  // R: static bool canRead(const std::string& path); static Data read(const std::string& path).
  template <class R>
  void reader(const char* id, KraitDataKind dataKind, const char* description, const char* extensions) const {
    KraitReaderKind kind{};
    kind.struct_size = sizeof kind;
    kind.id = id;
    kind.data_kind = dataKind;
    kind.description = description;
    kind.extensions = extensions;
    kind.can_read = [](void*, const char* path) {
      int yes = 0;
      detail::guard(nullptr, [&] { yes = R::canRead(path) ? 1 : 0; });
      return yes;
    };
    kind.read = [](void*, const char* path, KraitData* out, KraitError* e) {
      return detail::guard(e, [&] {
        auto held = std::make_unique<detail::HeldData>();
        held->data = R::read(path);
        const Data& d = held->data;
        for (const std::string& n : d.channelNames) held->names.push_back(n.c_str());
        out->kind = d.kind;
        out->source = d.source.c_str();
        out->tensor = d.tensor;
        std::memcpy(out->spacing, d.spacing.data(), sizeof out->spacing);
        std::memcpy(out->origin, d.origin.data(), sizeof out->origin);
        std::memcpy(out->direction, d.direction.data(), sizeof out->direction);
        out->sampling_rate_hz = d.samplingRateHz;
        out->channel_count = held->names.size();
        out->channel_names = held->names.data();
        out->reader_state = held.release();
      });
    };
    kind.release = [](void*, KraitData* data) { delete static_cast<detail::HeldData*>(data->reader_state); };
    check(host_->register_reader(host_->context, &kind, &error_));
  }

  // run(args): args[0] is the command's name; returns the exit code.
  void command(const char* name, const char* summary, int (*run)(const std::vector<std::string>& args)) const {
    KraitCommand command{};
    command.struct_size = sizeof command;
    command.name = name;
    command.summary = summary;
    command.user = reinterpret_cast<void*>(run);
    command.run = [](void* user, int argc, const char* const* argv) {
      int code = 1;
      KraitError error{};
      if (detail::guard(&error, [&] {
            code = reinterpret_cast<int (*)(const std::vector<std::string>&)>(user)(std::vector<std::string>(argv, argv + argc));
          }) != KRAIT_OK)
        std::fprintf(stderr, "krait %s: %s\n", argv[0], error.message);
      return code;
    };
    check(host_->register_command(host_->context, &command, &error_));
  }

  // P: static void* create(void* parentWidget) returning the panel's QWidget*; static void open(void* panel,
  // const std::string& path) for a data kind other than KRAIT_DATA_NONE.
  template <class P>
  void panel(const char* id, const char* title, KraitDataKind dataKind = KRAIT_DATA_NONE) const {
    KraitPanelKind kind{};
    kind.struct_size = sizeof kind;
    kind.id = id;
    kind.title = title;
    kind.data_kind = dataKind;
    kind.create = [](void*, void* parent, KraitError* e) {
      void* widget = nullptr;
      detail::guard(e, [&] { widget = P::create(parent); });
      return widget;
    };
    if (dataKind != KRAIT_DATA_NONE)
      kind.open = [](void*, void* panel, const char* path, KraitError* e) {
        return detail::guard(e, [&] { P::open(panel, path); });
      };
    check(host_->register_panel(host_->context, &kind, &error_));
  }

 private:
  void check(KraitStatus status) const {
    if (status != KRAIT_OK) throw Failure(status, error_.message);
  }

  const KraitHost* host_;
  mutable KraitError error_{};
};

}  // namespace krait::plugin

// Defines the plugin's two exported functions; the braces that follow are its registration code, with `host`
// (a krait::plugin::Host) in scope.
#define KRAIT_PLUGIN(NAME, VERSION, DESCRIPTION)                                                                  \
  static void kraitPluginRegister(const ::krait::plugin::Host& host);                                          \
  extern "C" KRAIT_PLUGIN_EXPORT uint32_t krait_plugin_abi(void) { return KRAIT_PLUGIN_ABI_VERSION; }           \
  extern "C" KRAIT_PLUGIN_EXPORT KraitStatus krait_plugin_init(const KraitHost* h, KraitPluginInfo* info,         \
                                                               KraitError* error) {                            \
    return ::krait::plugin::detail::guard(error, [&] {                                                          \
      info->name = NAME;                                                                                        \
      info->version = VERSION;                                                                                  \
      info->description = DESCRIPTION;                                                                          \
      kraitPluginRegister(::krait::plugin::Host(h));                                                            \
    });                                                                                                         \
  }                                                                                                             \
  static void kraitPluginRegister(const ::krait::plugin::Host& host)
