#pragma once
// The CUDA selective scan backward's launch interface (plain pointers; selective_scan_tensors.cpp prepares
// the tensors). The inputs are the forward's ScanParams; the gradients are fp32.
#include "selective_scan_cuda.h"

namespace krait::models::cuda {

constexpr int64_t kScanBackwardChunk = 64;  // tokens between stored states

struct ScanBackwardParams {
  ScanParams scan;                  // the forward's inputs (scan.out unused)
  const void* gradOut = nullptr;    // dL/d(out), scan.dtype, (batch, channels, length) with channel stride 1
  int64_t gradOutStride[3] = {};
  float *gu = nullptr, *gdelta = nullptr, *gz = nullptr;  // (batch, channels, length), strides gradStride
  int64_t gradStride[3] = {};
  float *gB = nullptr, *gC = nullptr;  // (batch, B's / C's groups, states, length), contiguous, zeroed
  float *gA = nullptr, *gD = nullptr, *gDeltaBias = nullptr;  // (channels, states), (channels) x 2, zeroed
};

int64_t scanBackwardScratchBytes(const ScanBackwardParams& q);
void launchSelectiveScanBackward(const ScanBackwardParams& q, void* scratch, cudaStream_t stream);

}  // namespace krait::models::cuda
