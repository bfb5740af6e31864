#include "krait/models/nnunet/trainers.h"

#include <functional>
#include <map>

#include "krait/base/error.h"
#include "krait/models/networks/lightm_unet.h"
#include "krait/models/networks/load_weights.h"
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
  static const std::map<std::string, Builder> table{
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
  return table;
}

const Builder* findBuilder(const std::string& trainer) {
  // The *Scratch trainers differ only in training (no ImageNet initialisation).
  std::string name = trainer;
  const std::string scratch = "Scratch";
  if (name.size() > scratch.size() && name.compare(name.size() - scratch.size(), scratch.size(), scratch) == 0 &&
      name.rfind("nnUNetTrainerSwinUMamba", 0) == 0)
    name.resize(name.size() - scratch.size());
  const auto it = builders().find(name);
  return it == builders().end() ? nullptr : &it->second;
}

}  // namespace

std::shared_ptr<Network> buildNetwork(const std::string& trainerName, const ConfigurationPlan& plan,
                                      int64_t inputChannels, int64_t numClasses) {
  const Builder* builder = findBuilder(trainerName);
  if (!builder) {
    std::string known;
    for (const auto& [name, b] : builders()) known += (known.empty() ? "" : ", ") + name;
    throw Error(ErrorKind::Input, "unknown trainer '" + trainerName + "': Krait builds the networks of " + known +
                                      " (and the Swin-UMamba *Scratch variants)");
  }
  try {
    return (*builder)(plan, inputChannels, numClasses);
  } catch (const std::invalid_argument& e) {
    throw Error(ErrorKind::Input, trainerName + " with configuration '" + plan.name + "': " + e.what());
  }
}

void refuseLegacyLayout(const StateDict& weights, const std::string& source) {
  for (const auto& [key, tensor] : weights)
    if (key.rfind("decoder.transpconvs.", 0) == 0 || key.rfind("mamba.", 0) == 0)
      throw inputError(source, "U-Mamba checkpoint in the layout of its first release (key '" + key +
                                   "'): the networks were rewritten on 2024-03-27 and such weights fit no current "
                                   "U-Mamba class; retrain with the current U-Mamba code");
}

LoadedNetwork loadNetwork(const std::filesystem::path& plansJson, const std::filesystem::path& datasetJson,
                          const std::filesystem::path& checkpoint) {
  LoadedNetwork out;
  out.checkpoint = readNnunetCheckpoint(checkpoint);
  if (out.checkpoint.trainerName.empty()) throw inputError(checkpoint.string(), "no 'trainer_name' in the checkpoint");
  if (out.checkpoint.configuration.empty())
    throw inputError(checkpoint.string(), "no init_args['configuration'] in the checkpoint");
  out.plan = readConfigurationPlan(plansJson, out.checkpoint.configuration);
  out.dataset = readDatasetDescription(datasetJson);
  out.network = buildNetwork(out.checkpoint.trainerName, out.plan, static_cast<int64_t>(out.dataset.channelNames.size()),
                             out.dataset.numSegmentationHeads());
  refuseLegacyLayout(out.checkpoint.weights, checkpoint.string());
  loadWeights(*out.network, out.checkpoint.weights, checkpoint.string());
  out.checkpoint.weights.clear();
  out.network->eval();
  return out;
}

}  // namespace krait::models
