// Readers and classifiers of plugins: KraitData in and out as Krait's Data (volumes with their geometry,
// waveforms in microvolts).
#include <ATen/DLConvertor.h>
#include <krait/plugin_torch.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstring>

#include "krait/engine/engine.h"
#include "krait/pipeline/volume_tensor.h"
#include "plugin_host.h"

namespace fs = std::filesystem;

namespace krait {
namespace {

using engine::callPlugin;
using engine::pluginError;
using engine::pluginRegistries;
using engine::Registered;

std::string lowerExtension(const fs::path& path) {
  std::string name = path.filename().string();
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name;
}

std::vector<std::string> extensionsOf(const char* list) {
  std::vector<std::string> out;
  const std::string all = list ? list : "";
  for (size_t start = 0; start < all.size();) {
    const size_t end = std::min(all.find(';', start), all.size());
    if (end > start) out.push_back(all.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool hasExtension(const fs::path& path, const std::vector<std::string>& extensions) {
  const std::string name = lowerExtension(path);
  return std::any_of(extensions.begin(), extensions.end(), [&](const std::string& e) {
    return name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0;
  });
}

// A DLPack tensor the reader owns, copied into a LibTorch tensor Krait owns.
torch::Tensor copyOf(const DLTensor& tensor) { return plugin::borrowTensor(tensor).to(torch::kCPU).clone(); }

Geometry geometryOf(const KraitData& d, const torch::Tensor& voxels) {
  Geometry g;
  g.size = {voxels.size(3), voxels.size(2), voxels.size(1)};
  for (int a = 0; a < 3; ++a) {
    g.spacing[a] = d.spacing[a];
    g.origin[a] = d.origin[a];
    for (int b = 0; b < 3; ++b) g.direction[a][b] = d.direction[3 * a + b];
  }
  return g;
}

Data dataFrom(const KraitData& d, const std::string& source) {
  Data out;
  out.kind = engine::dataKindOf(d.kind);
  out.source = d.source ? d.source : source;
  if (out.kind == DataKind::Slide) return out;
  if (!d.tensor) throw inputError(source, "the reader gave no tensor");
  torch::Tensor t = copyOf(d.tensor->dl_tensor);
  if (out.kind == DataKind::Volume) {
    if (t.dim() == 3) t = t.unsqueeze(0);
    if (t.dim() != 4) throw inputError(source, "the reader gave a volume of " + std::to_string(t.dim()) + " dimensions; (C, Z, Y, X) expected");
    const Geometry g = geometryOf(d, t);
    validateGeometry(g, source);
    out.volume = fromTensor(t, g);
  } else if (out.kind == DataKind::Waveform) {
    if (t.dim() != 2) throw inputError(source, "the reader gave a waveform of " + std::to_string(t.dim()) + " dimensions; (leads, samples) expected");
    if (!(d.sampling_rate_hz > 0.0 && std::isfinite(d.sampling_rate_hz))) throw inputError(source, "the reader gave no sampling rate");
    t = t.to(torch::kFloat).contiguous();
    out.waveform.samplingRateHz = d.sampling_rate_hz;
    out.waveform.samples = t.size(1);
    out.waveform.microvolts.assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
    for (size_t i = 0; i < d.channel_count; ++i) out.waveform.leads.emplace_back(d.channel_names[i] ? d.channel_names[i] : "");
    if (!out.waveform.leads.empty() && static_cast<int64_t>(out.waveform.leads.size()) != t.size(0))
      throw inputError(source, "the reader named " + std::to_string(out.waveform.leads.size()) + " leads for " +
                                   std::to_string(t.size(0)) + " signals");
  } else {
    throw inputError(source, "the reader gave data of no known kind");
  }
  return out;
}

// Data lent to a classifier: the tensor and names stay alive for the call.
class LentData {
 public:
  explicit LentData(const Data& data) {
    d_.struct_size = sizeof d_;
    d_.kind = engine::abiDataKind(data.kind);
    d_.source = data.source.c_str();
    if (data.kind == DataKind::Volume) {
      tensor_ = toTensor(data.volume);
      const Geometry& g = data.volume.geometry();
      for (int a = 0; a < 3; ++a) {
        d_.spacing[a] = g.spacing[a];
        d_.origin[a] = g.origin[a];
        for (int b = 0; b < 3; ++b) d_.direction[3 * a + b] = g.direction[a][b];
      }
    } else if (data.kind == DataKind::Waveform) {
      const Waveform& w = data.waveform;
      tensor_ = torch::from_blob(const_cast<float*>(w.microvolts.data()),
                                 {static_cast<int64_t>(w.leads.empty() ? w.microvolts.size() / std::max<int64_t>(1, w.samples) : w.leads.size()),
                                  w.samples});
      d_.sampling_rate_hz = w.samplingRateHz;
      for (const std::string& l : w.leads) names_.push_back(l.c_str());
      d_.channel_count = names_.size();
      d_.channel_names = names_.data();
    }
    if (tensor_.defined()) d_.tensor = at::toDLPack(tensor_);
  }
  ~LentData() {
    if (d_.tensor) d_.tensor->deleter(d_.tensor);
  }
  LentData(const LentData&) = delete;
  LentData& operator=(const LentData&) = delete;
  const KraitData* get() const { return &d_; }

 private:
  KraitData d_{};
  torch::Tensor tensor_;
  std::vector<const char*> names_;
};

template <typename Kind>
Registered<Kind> findKind(const std::vector<Registered<Kind>>& all, const std::string& id, const char* what) {
  for (const auto& r : all)
    if (id == r.kind.id) return r;
  throw Error(ErrorKind::Usage, std::string("no plugin provides the ") + what + " '" + id + "'");
}

}  // namespace

const char* dataKindName(DataKind kind) {
  switch (kind) {
    case DataKind::Volume: return "volume";
    case DataKind::Waveform: return "waveform";
    case DataKind::Slide: return "slide";
    case DataKind::None: break;
  }
  return "none";
}

std::vector<PluginReader> pluginReaders() {
  auto& r = pluginRegistries();
  const std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<PluginReader> out;
  for (const auto& k : r.readers)
    out.push_back({k.kind.id, k.plugin, k.kind.description ? k.kind.description : "", engine::dataKindOf(k.kind.data_kind),
                   extensionsOf(k.kind.extensions)});
  return out;
}

std::string pluginReaderFor(const fs::path& path, DataKind kind) {
  std::vector<Registered<KraitReaderKind>> readers;
  {
    auto& r = pluginRegistries();
    const std::lock_guard<std::mutex> lock(r.mutex);
    readers = r.readers;
  }
  for (const auto& k : readers) {
    if (kind != DataKind::None && engine::dataKindOf(k.kind.data_kind) != kind) continue;
    if (!hasExtension(path, extensionsOf(k.kind.extensions))) continue;
    KraitError error{};
    int yes = 0;
    callPlugin(error, [&] {
      yes = k.kind.can_read(k.kind.user, path.c_str());
      return KRAIT_OK;
    });
    if (yes) return k.kind.id;
  }
  return "";
}

Data readWithPlugin(const std::string& readerId, const fs::path& path) {
  Registered<KraitReaderKind> reader;
  {
    auto& r = pluginRegistries();
    const std::lock_guard<std::mutex> lock(r.mutex);
    reader = findKind(r.readers, readerId, "reader");
  }
  KraitData d{};
  d.struct_size = sizeof d;
  KraitError error{};
  const KraitStatus status = callPlugin(error, [&] { return reader.kind.read(reader.kind.user, path.c_str(), &d, &error); });
  if (status != KRAIT_OK) throw inputError(path.string(), pluginError(status, reader.plugin, "reader " + readerId, error).what());
  struct Release {
    const Registered<KraitReaderKind>& reader;
    KraitData& d;
    ~Release() { reader.kind.release(reader.kind.user, &d); }
  } release{reader, d};
  if (engine::dataKindOf(d.kind) != engine::dataKindOf(reader.kind.data_kind))
    throw inputError(path.string(), "plugin " + reader.plugin + ": reader " + readerId + " gave " +
                                        dataKindName(engine::dataKindOf(d.kind)) + " data; it reads " +
                                        dataKindName(engine::dataKindOf(reader.kind.data_kind)));
  return dataFrom(d, path.string());
}

std::vector<PluginClassifier> pluginClassifiers() {
  auto& r = pluginRegistries();
  const std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<PluginClassifier> out;
  for (const auto& k : r.classifiers)
    out.push_back({k.kind.id, k.plugin, k.kind.description ? k.kind.description : "", engine::dataKindOf(k.kind.data_kind)});
  return out;
}

struct Classifier::Impl {
  Registered<KraitClassifierKind> kind;
  KraitClassifier* handle = nullptr;
  std::string modelName;
  std::vector<ClassLabel> labels;
  bool multiLabel = true;
};

Classifier::Classifier(const std::string& classifierId, const std::string& model, const std::string& device)
    : impl_(std::make_unique<Impl>()) {
  {
    auto& r = pluginRegistries();
    const std::lock_guard<std::mutex> lock(r.mutex);
    impl_->kind = findKind(r.classifiers, classifierId, "classifier");
  }
  checkDevice(device);
  KraitClassifierInfo info{};
  info.struct_size = sizeof info;
  KraitError error{};
  const auto& k = impl_->kind;
  const KraitStatus status =
      callPlugin(error, [&] { return k.kind.open(k.kind.user, model.c_str(), device.c_str(), &impl_->handle, &info, &error); });
  if (status != KRAIT_OK) throw inputError(model, pluginError(status, k.plugin, "classifier " + classifierId, error).what());
  impl_->modelName = info.model_name ? info.model_name : model;
  impl_->multiLabel = info.multi_label != 0;
  for (size_t i = 0; i < info.label_count; ++i) {
    const KraitLabel& l = info.labels[i];
    impl_->labels.push_back({l.id ? l.id : "", l.name ? l.name : "", l.code ? l.code : "", l.threshold});
  }
}

Classifier::~Classifier() {
  if (impl_->handle) impl_->kind.kind.close(impl_->handle);
}

DataKind Classifier::kind() const { return engine::dataKindOf(impl_->kind.kind.data_kind); }
const std::string& Classifier::modelName() const { return impl_->modelName; }
const std::vector<ClassLabel>& Classifier::labels() const { return impl_->labels; }
bool Classifier::multiLabel() const { return impl_->multiLabel; }

std::vector<float> Classifier::classify(const Data& data, const ProgressCallback& progress) {
  if (data.kind != kind())
    throw Error(ErrorKind::Usage, "classifier " + std::string(impl_->kind.kind.id) + " takes " + dataKindName(kind()) + " data; " +
                                      (data.source.empty() ? "the input" : data.source) + " is " + dataKindName(data.kind));
  const LentData lent(data);
  struct Context {
    const ProgressCallback* progress;
    std::atomic<bool> cancelled{false};
  } context{&progress};
  KraitProgress p{&context, [](void* c, const char* stage, int64_t done, int64_t total) {
                    auto* ctx = static_cast<Context*>(c);
                    if (*ctx->progress && !(*ctx->progress)({stage ? stage : "", done, total})) ctx->cancelled = true;
                    return ctx->cancelled ? 0 : 1;
                  }};
  std::vector<float> scores(impl_->labels.size(), std::nanf(""));
  KraitError error{};
  const auto& k = impl_->kind;
  const KraitStatus status =
      callPlugin(error, [&] { return k.kind.classify(impl_->handle, lent.get(), &p, scores.data(), &error); });
  if (status != KRAIT_OK) {
    const Error e = pluginError(status, k.plugin, "classifier " + std::string(k.kind.id), error);
    throw data.source.empty() || e.kind() == ErrorKind::Cancelled ? e : Error(e.kind(), data.source + ": " + e.what());
  }
  for (float s : scores)
    if (!std::isfinite(s))
      throw Error(ErrorKind::Internal, "plugin " + k.plugin + ": classifier " + k.kind.id + " gave a score that is not finite");
  return scores;
}

}  // namespace krait
