#include "krait/models/nnunet/trainers.h"

#include <functional>
#include <map>

#include "krait/base/error.h"
#include "krait/models/networks/lightm_unet.h"
#include "krait/models/networks/swin_umamba.h"
#include "krait/models/networks/umamba.h"

namespace krait::models {

namespace {

using Builder = std::function<std::shared_ptr<Network>(const ConfigurationPlan&, int64_t, int64_t)>;

std::shared_ptr<Network> uMamba(bool encoder, const ConfigurationPlan& plan, int64_t in, int64_t classes) {
  UMambaOptions o;
  o.mambaInEncoder = encoder;
  o.dims = plan.dims();
  o.inputChannels = in;
  o.numClasses = classes;
  o.features = plan.features;
  o.kernels = plan.kernels;
  o.strides = plan.strides;
  o.blocksEncoder = plan.blocksEncoder;
  o.blocksDecoder = plan.blocksDecoder;
  o.patchSize = plan.patchSize;
  return makeUMamba(o);
}

void require2d(const ConfigurationPlan& plan, const char* network) {
  if (plan.dims() != 2)
    throw std::invalid_argument(std::string(network) + " is 2D only; configuration '" + plan.name + "' is " +
                                std::to_string(plan.dims()) + "D");
}

// The trainers of U-Mamba, LightM-UNet and Swin-UMamba and what their build_network_architecture returns.
const std::map<std::string, Builder>& builders() {
  static const std::map<std::string, Builder> table = [] {
    std::map<std::string, Builder> all{
        {"nnUNetTrainerUMambaBot", [](const auto& p, int64_t i, int64_t c) { return uMamba(false, p, i, c); }},
        {"nnUNetTrainerUMambaEnc", [](const auto& p, int64_t i, int64_t c) { return uMamba(true, p, i, c); }},
        {"nnUNetTrainerUMambaEncNoAMP", [](const auto& p, int64_t i, int64_t c) { return uMamba(true, p, i, c); }},
        {"nnUNetTrainerLightMUNet",
         [](const auto& p, int64_t i, int64_t c) {
           LightMUNetOptions o;
           o.dims = p.dims();
           o.inputChannels = i;
           o.numClasses = c;
           return makeLightMUNet(o);
         }},
        {"nnUNetTrainerSwinUMamba",
         [](const auto& p, int64_t i, int64_t c) {
           require2d(p, "Swin-UMamba");
           SwinUMambaOptions o;
           o.inputChannels = i;
           o.numClasses = c;
           return makeSwinUMamba(o);
         }},
        {"nnUNetTrainerSwinUMambaD",
         [](const auto& p, int64_t i, int64_t c) {
           require2d(p, "Swin-UMamba†");
           SwinUMambaDOptions o;
           o.encoder.inputChannels = i;
           o.numClasses = c;
           return makeSwinUMambaD(o);
         }},
    };
    // The *Scratch trainers differ only in training (no ImageNet initialisation).
    all["nnUNetTrainerSwinUMambaScratch"] = all.at("nnUNetTrainerSwinUMamba");
    all["nnUNetTrainerSwinUMambaDScratch"] = all.at("nnUNetTrainerSwinUMambaD");
    return all;
  }();
  return table;
}

}  // namespace

std::shared_ptr<Network> buildNetwork(const std::string& trainerName, const ConfigurationPlan& plan,
                                      int64_t inputChannels, int64_t numClasses) {
  const auto it = builders().find(trainerName);
  if (it == builders().end()) {
    std::string known;
    for (const auto& [name, b] : builders()) known += (known.empty() ? "" : ", ") + name;
    throw Error(ErrorKind::Input, "unknown trainer '" + trainerName + "': Krait builds the networks of " + known);
  }
  try {
    return it->second(plan, inputChannels, numClasses);
  } catch (const std::invalid_argument& e) {
    throw Error(ErrorKind::Input, trainerName + " with configuration '" + plan.name + "': " + e.what());
  }
}

std::vector<TrainerEntry> kraitTrainers() {
  std::vector<TrainerEntry> entries;
  for (const auto& named : builders())
    entries.push_back({named.first, "Krait", [name = named.first](const NetworkRequest& r) {
                         return buildNetwork(name, readConfigurationPlan(r.plansFile, r.configuration), r.inputChannels,
                                             r.numClasses);
                       }});
  return entries;
}

}  // namespace krait::models
