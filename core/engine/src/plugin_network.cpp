// A plugin's segmentation network as a Krait network: the trainer registry builds it for the plugin's trainer
// name, and the pipeline runs it like its own (tiles in and logits out as DLPack tensors).
#include <ATen/DLConvertor.h>
#include <torch/torch.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "krait/base/size_text.h"
#include "krait/models/nnunet/network_registry.h"
#include "krait/models/nnunet/plans.h"
#include "plugin_host.h"

namespace fs = std::filesystem;

namespace krait::engine {
namespace {

std::string fileText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw inputError(path.string(), "cannot open");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A tensor lent to the plugin for one call: a DLPack view that keeps it alive until the call returns.
class Lent {
 public:
  explicit Lent(const torch::Tensor& t) : managed_(at::toDLPack(t)) {}
  ~Lent() { managed_->deleter(managed_); }
  Lent(const Lent&) = delete;
  Lent& operator=(const Lent&) = delete;
  const DLTensor* get() const { return &managed_->dl_tensor; }

 private:
  DLManagedTensor* managed_;
};

class PluginNetwork : public models::Network {
 public:
  PluginNetwork(Registered<KraitNetworkKind> kind, KraitNetwork* handle, const KraitNetworkInfo& info,
                const models::NetworkRequest& request)
      : kind_(std::move(kind)), handle_(handle) {
    info_.name = info.name ? info.name : kind_.kind.trainer;
    info_.dims = info.dims;
    info_.inputChannels = request.inputChannels;
    info_.numClasses = request.numClasses;
    for (int a = 0; a < info.dims; ++a) info_.divisor.push_back(std::max<int64_t>(1, info.tile_divisor[a]));
  }
  ~PluginNetwork() override { kind_.kind.destroy(handle_); }

  void loadStateDict(const models::StateDict& weights, const std::string& source) override {
    std::vector<torch::Tensor> kept;
    std::vector<std::unique_ptr<Lent>> lent;
    std::vector<KraitNamedTensor> named;
    for (const auto& [key, tensor] : weights) {
      // DLPack 0.6 has no bool: such tensors (buffers, masks) cross as uint8.
      kept.push_back((tensor.scalar_type() == torch::kBool ? tensor.to(torch::kUInt8) : tensor).contiguous());
      lent.push_back(std::make_unique<Lent>(kept.back()));
      named.push_back({key.c_str(), lent.back()->get()});
    }
    KraitError error{};
    const KraitStatus status = callPlugin(error, [&] { return kind_.kind.load_weights(handle_, named.data(), named.size(), &error); });
    if (status != KRAIT_OK) throw inputError(source, pluginError(status, kind_.plugin, "loading the weights", error).what());
  }

  void prepare(const torch::Device& device, torch::ScalarType type) override {
    DLDevice dev{device.is_cuda() ? kDLCUDA : kDLCPU, device.is_cuda() ? device.index() : 0};
    if (device.is_cuda() && device.index() < 0) dev.device_id = 0;
    const DLDataType dtype = at::getDLDataType(torch::empty({0}, torch::TensorOptions().dtype(type)));
    KraitError error{};
    const KraitStatus status = callPlugin(error, [&] { return kind_.kind.to(handle_, dev, dtype, &error); });
    if (status != KRAIT_OK)
      throw pluginError(status, kind_.plugin, std::string("running ") + info_.name + " on " + device.str() + " in " +
                                                  c10::toString(type),
                        error);
    device_ = device;
  }

  // The plugin's forward may synchronise or allocate outside LibTorch: no CUDA graph.
  bool graphable() const override { return false; }

  torch::Tensor forward(const torch::Tensor& x) override {
    const torch::Tensor input = x.contiguous();
    const Lent lent(input);
    DLManagedTensor* output = nullptr;
    KraitError error{};
    const KraitStatus status = callPlugin(error, [&] { return kind_.kind.forward(handle_, lent.get(), &output, &error); });
    if (status != KRAIT_OK) throw pluginError(status, kind_.plugin, std::string(info_.name) + " forward", error);
    if (!output) throw Error(ErrorKind::Internal, "plugin " + kind_.plugin + ": " + info_.name + " forward gave no tensor");
    const torch::Tensor logits = at::fromDLPack(output);
    std::vector<int64_t> want = x.sizes().vec();
    want[1] = info_.numClasses;
    if (logits.sizes().vec() != want || logits.device() != x.device() || !logits.is_floating_point())
      throw Error(ErrorKind::Internal, "plugin " + kind_.plugin + ": " + info_.name + " forward gave " +
                                           c10::toString(logits.scalar_type()) + " " + sizeText(logits.sizes().vec()) + " on " +
                                           logits.device().str() + " for a " + sizeText(x.sizes().vec()) + " tile on " +
                                           x.device().str() + "; logits " + sizeText(want) + " expected");
    return logits;
  }

 private:
  Registered<KraitNetworkKind> kind_;
  KraitNetwork* handle_;
  torch::Device device_ = torch::kCPU;
};

std::shared_ptr<models::Network> buildPluginNetwork(const Registered<KraitNetworkKind>& kind,
                                                    const models::NetworkRequest& request) {
  const std::string plans = fileText(request.plansFile), dataset = fileText(request.datasetFile);
  const std::string configuration = models::resolvedConfigurationJson(request.plansFile, request.configuration);
  KraitNetworkSpec spec{};
  spec.struct_size = sizeof spec;
  spec.trainer = request.trainer.c_str();
  spec.configuration = request.configuration.c_str();
  spec.configuration_json = configuration.c_str();
  spec.plans_json = plans.c_str();
  spec.dataset_json = dataset.c_str();
  spec.input_channels = request.inputChannels;
  spec.output_channels = request.numClasses;
  KraitNetwork* handle = nullptr;
  KraitNetworkInfo info{};
  info.struct_size = sizeof info;
  KraitError error{};
  const KraitStatus status = callPlugin(error, [&] { return kind.kind.create(kind.kind.user, &spec, &handle, &info, &error); });
  if (status != KRAIT_OK)
    throw inputError(request.plansFile.string(),
                     pluginError(status, kind.plugin, "building " + request.trainer + " for configuration '" +
                                                          request.configuration + "'",
                                 error)
                         .what());
  if (!handle || (info.dims != 2 && info.dims != 3)) {
    if (handle) kind.kind.destroy(handle);
    throw Error(ErrorKind::Internal, "plugin " + kind.plugin + ": create() for " + request.trainer +
                                         " gave no network or no dimensionality (2 or 3)");
  }
  return std::make_shared<PluginNetwork>(kind, handle, info, request);
}

}  // namespace

void registerPluginTrainer(const Registered<KraitNetworkKind>& network) {
  models::registerTrainer({network.kind.trainer, network.file,
                           [network](const models::NetworkRequest& r) { return buildPluginNetwork(network, r); }});
}

}  // namespace krait::engine
