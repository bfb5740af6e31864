// krait/plugin_torch.hpp: DLPack <-> LibTorch for plugins written with LibTorch. A plugin that uses LibTorch
// must use the very LibTorch Krait was built with (KraitConfig.cmake records it as Krait_TORCH_VERSION): both
// live in one process and share its allocators and CUDA context.
#pragma once

#include <ATen/DLConvertor.h>
#include <torch/types.h>

#include <krait/plugin.hpp>

#include <map>
#include <string>

namespace krait::plugin {

// A borrowed DLTensor (an input, a weight) as a tensor sharing its memory; valid while the DLTensor is.
inline at::Tensor borrowTensor(const DLTensor& tensor) {
  auto* managed = new DLManagedTensor{tensor, nullptr, [](DLManagedTensor* self) { delete self; }};
  return at::fromDLPack(managed);
}

// A result handed to Krait: it keeps the tensor alive until Krait calls the deleter.
inline DLManagedTensor* handOver(const at::Tensor& tensor) { return at::toDLPack(tensor); }

inline torch::Device deviceOf(DLDevice device) {
  switch (device.device_type) {
    case kDLCPU: return torch::kCPU;
    case kDLCUDA: return {torch::kCUDA, static_cast<c10::DeviceIndex>(device.device_id)};
    default: throw unsupported("device type " + std::to_string(static_cast<int>(device.device_type)) + " is not supported");
  }
}

inline torch::ScalarType scalarTypeOf(DLDataType type) { return at::toScalarType(type); }

// The named tensors of a weights file, read by the host (ABI 1.2, KraitHost.read_tensors): a torch.save state
// dict (OrderedDict included) or safetensors. CPU tensors the caller owns. Throws Failure: INPUT naming the file,
// UNSUPPORTED from a Krait without ABI 1.2.
inline std::map<std::string, at::Tensor> readTensors(const KraitHost* host, const std::string& path) {
  if (!host || !KRAIT_HOST_HAS(host, read_tensors))
    throw unsupported("this Krait does not read weights files for plugins (it needs plugin ABI 1.2)");
  std::map<std::string, at::Tensor> tensors;
  KraitError error{};
  const KraitStatus status = host->read_tensors(
      host->context, path.c_str(), &tensors,
      [](void* user, const char* name, const DLTensor* tensor) {
        (*static_cast<std::map<std::string, at::Tensor>*>(user))[name] = borrowTensor(*tensor).clone();
      },
      &error);
  if (status != KRAIT_OK) throw Failure(status, error.message);
  return tensors;
}

}  // namespace krait::plugin
