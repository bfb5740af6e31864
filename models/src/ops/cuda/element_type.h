#pragma once
// Element types of the tensors the CUDA kernels read and write (their launch interfaces take plain pointers,
// so that the .cu files need no LibTorch headers).
namespace krait::models::cuda {

enum class ElementType { Float32, Float16, BFloat16 };

}  // namespace krait::models::cuda
