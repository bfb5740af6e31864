// The plain-unet plugin: nnU-Net's default network (PlainConvUNet) for models trained with nnUNetTrainer and
// its variants that change only training, so that `krait segment`, `krait batch` and krait-studio run standard
// nnU-Net models. Krait does the rest: preprocessing, sliding window, mirroring, folds, export.
#include <krait/plugin_torch.hpp>

#include <torch/torch.h>

#include "plain_conv_unet.h"

namespace {

using krait::plugin::borrowTensor;

class PlainUNetNetwork : public krait::plugin::Network {
 public:
  explicit PlainUNetNetwork(const krait::plugin::NetworkSpec& spec)
      : net_(plain_unet::Architecture::fromPlans(spec)) {}

  const char* name() const override { return "PlainConvUNet"; }
  int dims() const override { return net_.architecture().dims; }
  std::array<int64_t, 3> tileDivisor() const override {
    std::array<int64_t, 3> d{1, 1, 1};
    const std::vector<int64_t> divisor = net_.tileDivisor();
    std::copy(divisor.begin(), divisor.end(), d.begin());
    return d;
  }

  void loadWeights(const std::vector<krait::plugin::NamedTensor>& weights) override {
    std::map<std::string, torch::Tensor> stateDict;
    for (const auto& w : weights) stateDict.emplace(w.name, borrowTensor(*w.tensor));
    net_.load(stateDict);
  }

  void to(DLDevice device, DLDataType dtype) override {
    net_.to(krait::plugin::deviceOf(device), krait::plugin::scalarTypeOf(dtype));
  }

  DLManagedTensor* forward(const DLTensor& input) override {
    const torch::InferenceMode inference;
    return krait::plugin::handOver(net_.forward(borrowTensor(input)));
  }

 private:
  plain_unet::PlainConvUNet net_;
};

}  // namespace

KRAIT_PLUGIN("plain-unet", "1.0.0", "nnU-Net's default network, PlainConvUNet, for models trained with nnUNetTrainer") {
  // nnUNetTrainer and its variants in nnU-Net that change how long or how it trains, not the network.
  for (const char* trainer : {"nnUNetTrainer", "nnUNetTrainerNoMirroring", "nnUNetTrainer_1epoch", "nnUNetTrainer_5epochs",
                              "nnUNetTrainer_10epochs", "nnUNetTrainer_20epochs", "nnUNetTrainer_50epochs",
                              "nnUNetTrainer_100epochs", "nnUNetTrainer_250epochs", "nnUNetTrainer_2000epochs",
                              "nnUNetTrainer_4000epochs", "nnUNetTrainer_8000epochs"})
    host.network<PlainUNetNetwork>(trainer);
}
