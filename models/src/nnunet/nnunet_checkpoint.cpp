#include "krait/models/nnunet/nnunet_checkpoint.h"

#include "krait/base/error.h"

namespace fs = std::filesystem;

namespace krait::models {

NnunetCheckpoint readNnunetCheckpoint(const fs::path& path) {
  const std::string name = path.string();
  NnunetCheckpoint ckpt;
  ckpt.root = readTorchSave(path);
  const PyRef weights = ckpt.root->get("network_weights");
  if (!weights || !weights->is<PyDict>()) throw inputError(name, "not an nnU-Net checkpoint: no 'network_weights'");
  for (const auto& [key, value] : weights->as<PyDict>().items) {
    if (!key->is<std::string>() || !value->is<torch::Tensor>())
      throw inputError(name, "'network_weights' holds a " + value->describe() + " where tensors are expected");
    ckpt.weights[key->as<std::string>()] = value->as<torch::Tensor>();
  }
  if (const PyRef trainer = ckpt.root->get("trainer_name"); trainer && trainer->is<std::string>())
    ckpt.trainerName = trainer->as<std::string>();
  if (const PyRef init = ckpt.root->get("init_args"))
    if (const PyRef config = init->get("configuration"); config && config->is<std::string>())
      ckpt.configuration = config->as<std::string>();
  if (const PyRef axes = ckpt.root->get("inference_allowed_mirroring_axes"); axes && axes->is<PyTuple>())
    for (const auto& a : axes->as<PyTuple>().items)
      if (a->is<int64_t>()) ckpt.mirroringAxes.push_back(static_cast<int>(a->as<int64_t>()));
  return ckpt;
}

}  // namespace krait::models
