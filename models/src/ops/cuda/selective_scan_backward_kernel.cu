// The selective scan's backward pass on the GPU (the formulas: selective_scan_backward.cpp, the CPU version).
// One warp takes 32 neighbouring channels of one batch item and channel group, one lane per channel with its
// states and their gradients in registers, and walks the whole sequence: forward once, keeping the state
// before every chunk of kChunk tokens, then chunk by chunk backwards, recomputing the chunk's states into the
// lane's own scratch. The 32 channels share B and C, so their B and C gradients are summed across the warp
// (shuffles) before one atomic add per token and state. A, D and delta_bias gradients are summed per lane and
// added atomically once. Accurate expf throughout (the forward kernel's ex2.approx is for inference).
#include <stdexcept>
#include <string>

#include "element_type.cuh"
#include "selective_scan_backward_cuda.h"

namespace krait::models::cuda {

namespace {

constexpr int kWarp = 32;
constexpr int kWarpsPerBlock = 4;

__device__ __forceinline__ float warpSum(float v) {
#pragma unroll
  for (int offset = kWarp / 2; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

struct Lanes {
  int64_t blocksPerGroup, tasks, lanes;
};

Lanes lanesOf(const ScanBackwardParams& q) {
  const ScanParams& p = q.scan;
  Lanes l;
  l.blocksPerGroup = (p.perGroup + kWarp - 1) / kWarp;
  l.tasks = p.batch * p.groups * l.blocksPerGroup;
  l.lanes = l.tasks * kWarp;
  return l;
}

template <typename T>
__global__ void __launch_bounds__(kWarp* kWarpsPerBlock) scanBackward(ScanBackwardParams q, Lanes l, float* __restrict__ scratch) {
  const ScanParams& p = q.scan;
  const int lane = threadIdx.x % kWarp;
  const int64_t task = int64_t{blockIdx.x} * kWarpsPerBlock + threadIdx.x / kWarp;
  if (task >= l.tasks) return;  // whole warps leave together: the shuffles below see full warps
  const int64_t cb = task % l.blocksPerGroup, g = task / l.blocksPerGroup % p.groups, b = task / l.blocksPerGroup / p.groups;
  const int64_t within = cb * kWarp + lane;
  const bool valid = within < p.perGroup;
  const float on = valid ? 1.f : 0.f;
  const int64_t d = g * p.perGroup + (valid ? within : 0);
  const int N = p.states;
  const int64_t L = p.length, chunks = (L + kScanBackwardChunk - 1) / kScanBackwardChunk;
  const int64_t me = task * kWarp + lane;
  // Scratch, lane-fastest: the stored states (chunks x N), then the chunk's states ((kChunk + 1) x N).
  float* stored = scratch;
  float* hs = scratch + chunks * N * l.lanes;
  const auto storedAt = [&](int64_t c, int n) -> float& { return stored[(c * N + n) * l.lanes + me]; };
  const auto hsAt = [&](int64_t k, int n) -> float& { return hs[(k * N + n) * l.lanes + me]; };

  float A[kMaxScanStates], h[kMaxScanStates];
#pragma unroll
  for (int n = 0; n < kMaxScanStates; ++n) {
    A[n] = n < N ? p.A[d * N + n] : 0.f;
    h[n] = 0.f;
  }
  const float bias = p.deltaBias != nullptr ? p.deltaBias[d] : 0.f;
  const float skip = p.D != nullptr ? p.D[d] : 0.f;
  const T* u = static_cast<const T*>(p.u) + b * p.uStride[0] + d * p.uStride[1];
  const T* delta = static_cast<const T*>(p.delta) + b * p.deltaStride[0] + d * p.deltaStride[1];
  const T* z = p.z != nullptr ? static_cast<const T*>(p.z) + b * p.zStride[0] + d * p.zStride[1] : nullptr;
  const T* gout = static_cast<const T*>(q.gradOut) + b * q.gradOutStride[0] + d * q.gradOutStride[1];
  const T* Bt = static_cast<const T*>(p.B) + b * p.bStride[0] + (g / p.bGroupDiv) * p.bStride[1];
  const T* Ct = static_cast<const T*>(p.C) + b * p.cStride[0] + (g / p.cGroupDiv) * p.cStride[1];
  const int64_t bGroups = p.groups / p.bGroupDiv, cGroups = p.groups / p.cGroupDiv;
  float* gB = q.gB + (b * bGroups + g / p.bGroupDiv) * N * L;
  float* gC = q.gC + (b * cGroups + g / p.cGroupDiv) * N * L;
  const auto stepOf = [&](int64_t t) {
    float dt = toFloat(delta[t * p.deltaStride[2]]) + bias;
    return p.softplus && dt <= 20.f ? log1pf(expf(dt)) : dt;
  };

  // Forward: the state before every chunk.
  for (int64_t t = 0; t < L; ++t) {
    if (t % kScanBackwardChunk == 0)
#pragma unroll
      for (int n = 0; n < kMaxScanStates; ++n)
        if (n < N) storedAt(t / kScanBackwardChunk, n) = h[n];
    const float dt = stepOf(t), du = dt * toFloat(u[t * p.uStride[2]]);
#pragma unroll
    for (int n = 0; n < kMaxScanStates; ++n)
      if (n < N) h[n] = expf(dt * A[n]) * h[n] + du * toFloat(Bt[n * p.bStride[2] + t * p.bStride[3]]);
  }

  // Backward, chunk by chunk from the end. h now carries the state's gradient.
  float gA[kMaxScanStates];
#pragma unroll
  for (int n = 0; n < kMaxScanStates; ++n) h[n] = gA[n] = 0.f;
  float gD = 0.f, gBias = 0.f;
  float* gu = q.gu + b * q.gradStride[0] + d * q.gradStride[1];
  float* gdelta = q.gdelta + b * q.gradStride[0] + d * q.gradStride[1];
  float* gz = q.gz != nullptr ? q.gz + b * q.gradStride[0] + d * q.gradStride[1] : nullptr;
  for (int64_t c = chunks - 1; c >= 0; --c) {
    const int64_t first = c * kScanBackwardChunk, last = first + kScanBackwardChunk < L ? first + kScanBackwardChunk : L;
#pragma unroll
    for (int n = 0; n < kMaxScanStates; ++n)
      if (n < N) hsAt(0, n) = storedAt(c, n);
    for (int64_t t = first; t < last; ++t) {
      const float dt = stepOf(t), du = dt * toFloat(u[t * p.uStride[2]]);
      const int64_t k = t - first;
#pragma unroll
      for (int n = 0; n < kMaxScanStates; ++n)
        if (n < N) hsAt(k + 1, n) = expf(dt * A[n]) * hsAt(k, n) + du * toFloat(Bt[n * p.bStride[2] + t * p.bStride[3]]);
    }
    for (int64_t t = last - 1; t >= first; --t) {
      const int64_t k = t - first;
      const float x = toFloat(delta[t * p.deltaStride[2]]) + bias;
      const float dt = p.softplus && x <= 20.f ? log1pf(expf(x)) : x;
      const float uv = toFloat(u[t * p.uStride[2]]), g0 = toFloat(gout[t * q.gradOutStride[2]]);
      float gy = g0, y = skip * uv;
#pragma unroll
      for (int n = 0; n < kMaxScanStates; ++n)
        if (n < N) y += toFloat(Ct[n * p.cStride[2] + t * p.cStride[3]]) * hsAt(k + 1, n);
      if (z != nullptr) {
        const float zv = toFloat(z[t * p.zStride[2]]), s = 1.f / (1.f + expf(-zv));
        gy = g0 * zv * s;
        if (valid) gz[t * q.gradStride[2]] = g0 * y * s * (1.f + zv * (1.f - s));
      }
      gD += gy * uv;
      float gu_t = gy * skip, gdt = 0.f;
#pragma unroll
      for (int n = 0; n < kMaxScanStates; ++n) {
        if (n >= N) continue;
        const float Bv = toFloat(Bt[n * p.bStride[2] + t * p.bStride[3]]), Cv = toFloat(Ct[n * p.cStride[2] + t * p.cStride[3]]);
        const float ght = h[n] + gy * Cv, dA = expf(dt * A[n]);
        const float sumC = warpSum(on * gy * hsAt(k + 1, n)), sumB = warpSum(on * ght * dt * uv);
        if (lane == 0) {
          atomicAdd(gC + n * L + t, sumC);
          atomicAdd(gB + n * L + t, sumB);
        }
        gu_t += ght * dt * Bv;
        const float gdA = ght * hsAt(k, n) * dA;
        gA[n] += gdA * dt;
        gdt += gdA * A[n] + ght * Bv * uv;
        h[n] = ght * dA;
      }
      const float gx = p.softplus && x <= 20.f ? gdt / (1.f + expf(-x)) : gdt;
      if (valid) {
        gu[t * q.gradStride[2]] = gu_t;
        gdelta[t * q.gradStride[2]] = gx;
      }
      gBias += gx;
    }
  }
  if (!valid) return;
#pragma unroll
  for (int n = 0; n < kMaxScanStates; ++n)
    if (n < N) atomicAdd(q.gA + d * N + n, gA[n]);
  atomicAdd(q.gD + d, gD);
  atomicAdd(q.gDeltaBias + d, gBias);
}

}  // namespace

int64_t scanBackwardScratchBytes(const ScanBackwardParams& q) {
  const Lanes l = lanesOf(q);
  const int64_t chunks = (q.scan.length + kScanBackwardChunk - 1) / kScanBackwardChunk;
  return (chunks + kScanBackwardChunk + 1) * q.scan.states * l.lanes * int64_t{sizeof(float)};
}

void launchSelectiveScanBackward(const ScanBackwardParams& q, void* scratch, cudaStream_t stream) {
  const ScanParams& p = q.scan;
  if (p.states < 1 || p.states > kMaxScanStates)
    throw std::invalid_argument("selective scan backward: the CUDA kernel takes 1 to " + std::to_string(kMaxScanStates) +
                                " states per channel, not " + std::to_string(p.states));
  if (p.batch * p.channels * p.length == 0) return;
  const Lanes l = lanesOf(q);
  const int64_t blocks = (l.tasks + kWarpsPerBlock - 1) / kWarpsPerBlock;
  withElementType(p.dtype, [&](auto t) {
    scanBackward<decltype(t)><<<blocks, kWarp * kWarpsPerBlock, 0, stream>>>(q, l, static_cast<float*>(scratch));
  });
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) throw std::runtime_error(std::string("selective scan backward: CUDA launch failed: ") + cudaGetErrorString(err));
}

}  // namespace krait::models::cuda
