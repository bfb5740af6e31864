#pragma once
// The CUDA selective scan's launch interface: plain pointers and element strides, so that the .cu file needs
// no LibTorch headers (selective_scan_cuda.cpp checks and converts the tensors).
#include <cuda_runtime.h>

#include <cstdint>

#include "element_type.h"

namespace krait::models::cuda {

// The most states per channel the kernel keeps in registers (every network here uses 16).
constexpr int kMaxScanStates = 16;

struct ScanParams {
  ElementType dtype = ElementType::Float32;  // of u, delta, z, B, C and out
  int64_t batch = 0, channels = 0, length = 0;
  int states = 0;
  // Channels d of group g = d / perGroup share B[:, g / bGroupDiv] and C[:, g / cGroupDiv] (four-direction scans).
  int64_t groups = 1, perGroup = 0, bGroupDiv = 1, cGroupDiv = 1;
  // u, delta, z, out: (batch, channels, length) with channel stride 1 (the kernel reads 32 neighbouring
  // channels per token). B, C: (batch, groups, states, length), any strides.
  const void *u = nullptr, *delta = nullptr, *z = nullptr, *B = nullptr, *C = nullptr;
  int64_t uStride[3] = {}, deltaStride[3] = {}, zStride[3] = {}, outStride[3] = {}, bStride[4] = {}, cStride[4] = {};
  // Where group g's channels of u, delta and z start: g * groupStride past group 0's. perGroup times the channel
  // stride is the plain layout; a cross scan reads one u for all its groups (0).
  int64_t uGroupStride = 0, deltaGroupStride = 0, zGroupStride = 0;
  // A cross scan (VMamba's SS2D) when gridRows > 0: the length = gridRows * gridCols tokens lie row-major on a
  // grid, which group g walks by columns when g is odd and backwards when g & 2; token t of its sequence is
  // read from (u, delta, z, B, C) and written to (out) at its grid position. length < 2^32; fp32 only.
  int64_t gridRows = 0, gridCols = 0;
  const float *A = nullptr, *D = nullptr, *deltaBias = nullptr;  // fp32, contiguous; D and deltaBias optional
  bool softplus = false;
  void* out = nullptr;
};

// Bytes of device scratch the scan needs for `p` (ScanParams::length etc. set), and the launch itself, which
// uses `scratch` (at least that many bytes) on `stream`. Both pick the same chunk length for `smCount`.
int64_t scanScratchBytes(const ScanParams& p, int smCount);
void launchSelectiveScan(const ScanParams& p, void* scratch, int smCount, cudaStream_t stream);

}  // namespace krait::models::cuda
