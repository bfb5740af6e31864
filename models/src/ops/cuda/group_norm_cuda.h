#pragma once
// The CUDA group normalisation's launch interface (group_norm_tensors.cpp checks and converts the tensors).
#include <cuda_runtime.h>

#include <cstdint>

#include "element_type.h"

namespace krait::models::cuda {

struct GroupNormParams {
  ElementType type = ElementType::Float32;  // of x, residual and out
  int64_t batch = 0, channels = 0, groups = 1, spatial = 0;
  // (batch, channels, spatial), or (batch, spatial, channels) when channelsLast, contiguous, all three. out may be
  // x itself; residual (optional) is added after the affine.
  bool channelsLast = false;
  const void* x = nullptr;
  const void* residual = nullptr;
  void* out = nullptr;
  const float *weight = nullptr, *bias = nullptr;  // per channel, fp32, optional
  float slope = 1.0f;  // leaky ReLU after the residual (1: none, 0: ReLU)
  double eps = 1e-5;
};

// The most channels the channels-last kernels take.
constexpr int64_t kMaxChannelsLastChannels = 2048;

// Bytes of device scratch for `p`, and the launch (three kernels on `stream`) that uses that scratch.
int64_t groupNormScratchBytes(const GroupNormParams& p, int smCount);
void launchGroupNorm(const GroupNormParams& p, void* scratch, int smCount, cudaStream_t stream);

}  // namespace krait::models::cuda
