#pragma once
// The tensor side's mapping from a LibTorch dtype to the kernels' element type, and the kernels' fp32 parameters.
#include <c10/core/ScalarType.h>
#include <torch/types.h>

#include <stdexcept>
#include <string>

#include "element_type.h"

namespace krait::models::cuda {

// `what` names the operation in the error for a dtype no kernel takes.
inline ElementType elementTypeOf(c10::ScalarType t, const char* what) {
  switch (t) {
    case c10::kFloat: return ElementType::Float32;
    case c10::kHalf: return ElementType::Float16;
    case c10::kBFloat16: return ElementType::BFloat16;
    default: throw std::invalid_argument(std::string(what) + ": no CUDA kernel for " + c10::toString(t) + " inputs");
  }
}

// A parameter the kernels read as contiguous fp32 on `device` (weights, biases, A, D); an optional one left
// undefined stays undefined, and the kernel gets a null pointer for it.
inline torch::Tensor float32On(const torch::Tensor& t, const torch::Device& device) {
  return t.defined() ? t.to(device, torch::kFloat32).contiguous() : torch::Tensor();
}

}  // namespace krait::models::cuda
