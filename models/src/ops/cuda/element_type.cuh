#pragma once
// Device-side conversions between the kernels' element types and fp32, and the launch of a kernel template for
// the element type named at run time.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "element_type.h"

namespace krait::models::cuda {

__device__ __forceinline__ float toFloat(float v) { return v; }
__device__ __forceinline__ float toFloat(__half v) { return __half2float(v); }
__device__ __forceinline__ float toFloat(__nv_bfloat16 v) { return __bfloat162float(v); }
template <typename T>
__device__ __forceinline__ T fromFloat(float v);
template <>
__device__ __forceinline__ float fromFloat<float>(float v) { return v; }
template <>
__device__ __forceinline__ __half fromFloat<__half>(float v) { return __float2half_rn(v); }
template <>
__device__ __forceinline__ __nv_bfloat16 fromFloat<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }

// f(T{}) with T the C++ type of `type`.
template <typename F>
void withElementType(ElementType type, F&& f) {
  switch (type) {
    case ElementType::Float32: return f(float{});
    case ElementType::Float16: return f(__half{});
    case ElementType::BFloat16: return f(__nv_bfloat16{});
  }
}

}  // namespace krait::models::cuda
