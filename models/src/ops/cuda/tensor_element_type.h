#pragma once
// The tensor side's mapping from a LibTorch dtype to the kernels' element type.
#include <c10/core/ScalarType.h>

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

}  // namespace krait::models::cuda
