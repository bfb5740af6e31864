#include "classifier.h"

#include <torch/torch.h>

#include "preprocess.h"

namespace krait::ecg {
namespace {

torch::Device deviceOf(const std::string& device) {
  try {
    const torch::Device d(device);
    if (d.is_cuda() && !torch::cuda::is_available())
      throw std::invalid_argument("device " + device + ": this machine (or this build of LibTorch) has no CUDA GPU");
    if (!d.is_cpu() && !d.is_cuda()) throw std::invalid_argument("device " + device + " is not \"cpu\" or \"cuda[:N]\"");
    return d;
  } catch (const c10::Error&) {
    throw std::invalid_argument("device \"" + device + "\" is not \"cpu\" or \"cuda[:N]\"");
  }
}

}  // namespace

EcgClassifier::EcgClassifier(const std::filesystem::path& model, const std::string& device, SelectiveScan scan)
    : spec_(readModelSpec(model)), device_(deviceOf(device)) {
  EcgMambaConfig config;
  try {
    config = EcgMambaConfig::fromJson(spec_.architecture);
  } catch (const std::invalid_argument& e) {
    throw FileError((spec_.folder / "model.json").string(), std::string("architecture: ") + e.what());
  }
  const std::string file = (spec_.folder / "model.json").string();
  if (config.numClasses != static_cast<int64_t>(spec_.classes.size()))
    throw FileError(file, "lists " + std::to_string(spec_.classes.size()) + " classes, but its network has " +
                              std::to_string(config.numClasses) + " outputs");
  if (config.inChannels != static_cast<int64_t>(spec_.input.leads.size()) || config.inputLength != spec_.input.length)
    throw FileError(file, "input (" + std::to_string(spec_.input.leads.size()) + " leads x " + std::to_string(spec_.input.length) +
                              " samples) does not match the architecture's in_channels and input_length");
  network_ = std::make_shared<EcgMamba>(config, std::move(scan));
  network_->loadStateDictFile(spec_.weights.string());
  network_->to(device_);
  network_->eval();
}

Classification EcgClassifier::classify(const Record& record) const {
  const NetworkInput in = prepareInput(record, spec_.input);
  Classification out;
  out.notes = in.notes;
  torch::InferenceMode inference;
  const torch::Tensor x = torch::from_blob(const_cast<float*>(in.values.data()), {in.windows, in.leads, in.length}, torch::kFloat);
  const torch::Tensor p = torch::sigmoid(network_->forward(x.to(device_))).to(torch::kCPU, torch::kDouble);
  const torch::Tensor aggregated = spec_.input.aggregate == "max" ? std::get<0>(p.max(0)) : p.mean(0);
  for (size_t k = 0; k < spec_.classes.size(); ++k) {
    out.probabilities.push_back(aggregated[static_cast<int64_t>(k)].item<double>());
    out.present.push_back(out.probabilities.back() >= spec_.classes[k].threshold);
  }
  return out;
}

}  // namespace krait::ecg
