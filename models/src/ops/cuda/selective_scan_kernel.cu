// The selective scan on the GPU, parallel along the sequence (three phases, as Mamba-2's chunked scan is
// structured, with Mamba-1's per-(channel, state) decay):
//   1. every chunk of the sequence is scanned from a zero state; its end state and its total decay
//      exp(A * sum dt) are kept (the "carry");
//   2. the carries are scanned over the chunks (recursively in runs of 32), giving each chunk's entering state;
//   3. every chunk is scanned again from its entering state and writes the gated output.
// One warp scans 32 neighbouring channels of one chunk, one lane per channel with all its states in
// registers, so the work splits into batch x channel blocks x chunks warps: thousands even for batch 1 and 64
// channels, where the official kernel (one block per channel walking the whole sequence) fills 64 of 132 SMs.
// A state update is one ex2.approx and four fp32 instructions, done twice per element (phases 1 and 3): the
// kernel is bound by instruction issue and the special-function unit, not by memory.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "element_type.cuh"
#include "selective_scan_cuda.h"

namespace krait::models::cuda {

namespace {

constexpr int kWarp = 32;
constexpr int kWarpsPerBlock = 4;
// Chosen on an H200 among 8/16-token sub-tiles, 3 to 6 blocks per SM and unrolling the token loop by 1 or 2
// (docs/benchmarks.md): 128 registers a thread leave room for the staged loads and the next token's operands.
constexpr int kBlocksPerSm = 4;
constexpr int kSubTile = 16;  // tokens staged in shared memory at a time
constexpr int kSegment = 32;  // chunk carries composed by one thread in the scan over chunks
constexpr float kLog2e = 1.4426950408889634f;

// 2^x on the special-function unit (what mamba_ssm's --use_fast_math exp2f compiles to).
__device__ __forceinline__ float exp2Approx(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
  return y;
}

struct Layout {
  int64_t chunks, chunkLength;
  int64_t blocksPerGroup;  // warps across one group's channels
  int64_t tasks;           // warps in all
};

Layout layout(const ScanParams& p, int smCount) {
  Layout l;
  l.blocksPerGroup = (p.perGroup + kWarp - 1) / kWarp;
  const int64_t warpsPerChunk = p.batch * p.groups * l.blocksPerGroup;
  // Long chunks spend less on carries, short ones give more warps: as many as fill four waves (every warp
  // takes the same time, so a last wave only partly full would idle the rest of the GPU), at least 64 tokens.
  const int64_t slots = int64_t{smCount} * kBlocksPerSm * kWarpsPerBlock;
  const int64_t maxChunks = std::max<int64_t>(1, 4 * slots / warpsPerChunk);
  l.chunkLength = std::max<int64_t>(64, (p.length + maxChunks - 1) / maxChunks);
  l.chunks = (p.length + l.chunkLength - 1) / l.chunkLength;
  l.tasks = warpsPerChunk * l.chunks;
  return l;
}

// The grid position token t of group g's sequence is read and written at (ScanParams::gridRows): t itself for a
// plain scan. A template parameter, not a test of gridRows: the plain scan's loads then stay the strided
// increments they were (a run-time test there cost the U-Mamba_Enc stage-0 scan 80%). 32-bit arithmetic: a grid
// has fewer than 2^32 tokens, and 64-bit division is a long call.
template <bool Grid>
__device__ __forceinline__ int64_t position(const ScanParams& p, int64_t g, int64_t t) {
  if constexpr (!Grid) return t;
  uint32_t s = static_cast<uint32_t>(g & 2 ? p.length - 1 - t : t);
  if (g & 1) {
    const uint32_t rows = static_cast<uint32_t>(p.gridRows);
    s = s % rows * static_cast<uint32_t>(p.gridCols) + s / rows;
  }
  return s;
}

// Phase 1 (Final false) or 3 (Final true) for one warp's 32 channels of one chunk, of a plain or (Grid) a cross scan. carry: (batch, chunks,
// channels, states) pairs (total decay, state); phase 3 reads the entering state from .y (null: zero).
template <typename T, bool Final, bool Grid>
__global__ void __launch_bounds__(kWarp* kWarpsPerBlock, kBlocksPerSm)
    scanChunks(ScanParams p, Layout l, float2* __restrict__ carry) {
  __shared__ float4 staged[kWarpsPerBlock][kSubTile][2 * kMaxScanStates / 4];  // B then C, per token
  __shared__ float tokens[kWarpsPerBlock][3][kSubTile][kWarp];  // u, dt, silu(z) per token; lane = channel
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
  const int64_t task = int64_t{blockIdx.x} * kWarpsPerBlock + warp;
  if (task >= l.tasks) return;
  const int64_t cb = task % l.blocksPerGroup;
  int64_t rest = task / l.blocksPerGroup;
  const int64_t g = rest % p.groups;
  rest /= p.groups;
  const int64_t chunk = rest % l.chunks, b = rest / l.chunks;
  const int64_t within = cb * kWarp + lane;
  const bool valid = within < p.perGroup;
  const int64_t j = valid ? within : 0, d = g * p.perGroup + j;
  const int N = p.states;

  float a2[kMaxScanStates], h[kMaxScanStates];
#pragma unroll
  for (int n = 0; n < kMaxScanStates; ++n) {
    a2[n] = n < N ? p.A[d * N + n] * kLog2e : 0.f;
    h[n] = 0.f;
  }
  if (Final && carry != nullptr) {
    const float2* in = carry + ((b * l.chunks + chunk) * p.channels + d) * N;
#pragma unroll
    for (int n = 0; n < kMaxScanStates; ++n)
      if (n < N) h[n] = in[n].y;
  }
  const float bias = p.deltaBias != nullptr ? p.deltaBias[d] : 0.f;
  const float skip = p.D != nullptr ? p.D[d] : 0.f;
  const T* u = static_cast<const T*>(p.u) + b * p.uStride[0] + g * p.uGroupStride + j * p.uStride[1];
  const T* delta = static_cast<const T*>(p.delta) + b * p.deltaStride[0] + g * p.deltaGroupStride + j * p.deltaStride[1];
  const T* z = p.z != nullptr ? static_cast<const T*>(p.z) + b * p.zStride[0] + g * p.zGroupStride + j * p.zStride[1]
                              : nullptr;
  T* out = static_cast<T*>(p.out) + b * p.outStride[0] + d * p.outStride[1];
  const int stageState = lane % kMaxScanStates, stageToken = lane / kMaxScanStates;
  const int stagedRow = stageState < N ? stageState : 0;
  const T* Bn = static_cast<const T*>(p.B) + b * p.bStride[0] + (g / p.bGroupDiv) * p.bStride[1] + stagedRow * p.bStride[2];
  const T* Cn = static_cast<const T*>(p.C) + b * p.cStride[0] + (g / p.cGroupDiv) * p.cStride[1] + stagedRow * p.cStride[2];
  float* tile = reinterpret_cast<float*>(staged[warp]);

  const int64_t t0 = chunk * l.chunkLength;
  const int64_t t1 = t0 + l.chunkLength < p.length ? t0 + l.chunkLength : p.length;
  float sumDt = 0.f;
  for (int64_t s = t0; s < t1; s += kSubTile) {
    const int count = t1 - s < kSubTile ? static_cast<int>(t1 - s) : kSubTile;
    __syncwarp();
    // Each lane first loads its channel's u, delta and z for the whole sub-tile, and state l % 16 of B and C
    // for every other token. Past the chunk's end the last token is loaded again (never used): without a
    // branch per token all loads can be in flight at once, instead of one memory latency per token.
#pragma unroll
    for (int tt = 0; tt < kSubTile; ++tt) {
      const int64_t t = position<Grid>(p, g, s + (tt < count ? tt : count - 1));
      tokens[warp][0][tt][lane] = toFloat(u[t * p.uStride[2]]);
      tokens[warp][1][tt][lane] = toFloat(delta[t * p.deltaStride[2]]);
      if (Final && z != nullptr) tokens[warp][2][tt][lane] = toFloat(z[t * p.zStride[2]]);
    }
#pragma unroll
    for (int k = 0; k < kSubTile * kMaxScanStates / kWarp; ++k) {
      const int tt = stageToken + k * (kWarp / kMaxScanStates);
      const int64_t t = position<Grid>(p, g, s + (tt < count ? tt : count - 1));
      tile[tt * 2 * kMaxScanStates + stageState] = stageState < N ? toFloat(Bn[t * p.bStride[3]]) : 0.f;
      if (Final) tile[tt * 2 * kMaxScanStates + kMaxScanStates + stageState] = stageState < N ? toFloat(Cn[t * p.cStride[3]]) : 0.f;
    }
    // The per-token functions (softplus, SiLU) are long dependent chains: done here for all tokens at once,
    // they overlap each other instead of stalling the state updates token after token.
#pragma unroll 4
    for (int tt = 0; tt < count; ++tt) {
      float dt = tokens[warp][1][tt][lane] + bias;
      if (p.softplus) dt = dt <= 20.f ? log1pf(__expf(dt)) : dt;
      tokens[warp][1][tt][lane] = dt;
      if (!Final) sumDt += dt;
      if (Final && z != nullptr) {
        const float zv = tokens[warp][2][tt][lane];
        tokens[warp][2][tt][lane] = __fdividef(zv, 1.f + __expf(-zv));
      }
    }
    __syncwarp();
#pragma unroll 2
    for (int tt = 0; tt < count; ++tt) {
      const float uv = tokens[warp][0][tt][lane], dt = tokens[warp][1][tt][lane];
      const float du = dt * uv;
      float y = 0.f;
      const float4* bc = staged[warp][tt];
#pragma unroll
      for (int q = 0; q < kMaxScanStates / 4; ++q) {
        const float4 bq = bc[q];
        const float bv[4] = {bq.x, bq.y, bq.z, bq.w};
        float cv[4] = {};
        if (Final) {
          const float4 cq = bc[kMaxScanStates / 4 + q];
          cv[0] = cq.x, cv[1] = cq.y, cv[2] = cq.z, cv[3] = cq.w;
        }
#pragma unroll
        for (int j = 0; j < 4; ++j) {
          const int n = 4 * q + j;
          h[n] = fmaf(exp2Approx(dt * a2[n]), h[n], bv[j] * du);
          if (Final) y = fmaf(cv[j], h[n], y);
        }
      }
      if (Final) {
        y = fmaf(skip, uv, y);
        if (z != nullptr) y *= tokens[warp][2][tt][lane];
        if (valid) out[position<Grid>(p, g, s + tt) * p.outStride[2]] = fromFloat<T>(y);
      }
    }
  }
  if (!Final && valid) {
    float2* c = carry + ((b * l.chunks + chunk) * p.channels + d) * N;
#pragma unroll
    for (int n = 0; n < kMaxScanStates; ++n)
      if (n < N) c[n] = make_float2(exp2Approx(a2[n] * sumDt), h[n]);
  }
}

// For every (batch, segment of kSegment items, sequence m): the composition of the segment's items.
// items: (batch, K, M) pairs (decay, state) applied in order as state' = decay * state + item state.
__global__ void composeSegments(const float2* __restrict__ items, int64_t batch, int64_t K, int64_t M,
                                float2* __restrict__ segments, int64_t nSeg) {
  const int64_t idx = int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (idx >= batch * nSeg * M) return;
  const int64_t m = idx % M, s = (idx / M) % nSeg, b = idx / M / nSeg;
  float a = 1.f, h = 0.f;
  const int64_t end = (s + 1) * kSegment < K ? (s + 1) * kSegment : K;
  for (int64_t k = s * kSegment; k < end; ++k) {
    const float2 it = items[(b * K + k) * M + m];
    h = fmaf(it.x, h, it.y);
    a *= it.x;
  }
  segments[idx] = make_float2(a, h);
}

// Replaces each item's state by the state entering it: runs of segLength items start from their segment's
// entering state (segments[..].y; null: zero).
__global__ void enterStates(float2* __restrict__ items, int64_t batch, int64_t K, int64_t M,
                            const float2* __restrict__ segments, int64_t nSeg, int64_t segLength) {
  const int64_t idx = int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (idx >= batch * nSeg * M) return;
  const int64_t m = idx % M, s = (idx / M) % nSeg, b = idx / M / nSeg;
  float h = segments != nullptr ? segments[idx].y : 0.f;
  const int64_t end = (s + 1) * segLength < K ? (s + 1) * segLength : K;
  for (int64_t k = s * segLength; k < end; ++k) {
    float2& it = items[(b * K + k) * M + m];
    const float2 own = it;
    it.y = h;
    h = fmaf(own.x, h, own.y);
  }
}

int64_t blocksFor(int64_t threads, int perBlock) { return (threads + perBlock - 1) / perBlock; }

// Scratch for the levels of scanCarries below K items, in pairs.
int64_t levelPairs(int64_t batch, int64_t K, int64_t M) {
  int64_t pairs = 0;
  for (; K > 2 * kSegment; K = (K + kSegment - 1) / kSegment) pairs += batch * ((K + kSegment - 1) / kSegment) * M;
  return pairs;
}

void scanCarries(float2* items, int64_t batch, int64_t K, int64_t M, float2* scratch, cudaStream_t stream) {
  constexpr int kThreads = 256;
  if (K <= 2 * kSegment) {
    enterStates<<<blocksFor(batch * M, kThreads), kThreads, 0, stream>>>(items, batch, K, M, nullptr, 1, K);
    return;
  }
  const int64_t nSeg = (K + kSegment - 1) / kSegment;
  float2* segments = scratch;
  const int64_t blocks = blocksFor(batch * nSeg * M, kThreads);
  composeSegments<<<blocks, kThreads, 0, stream>>>(items, batch, K, M, segments, nSeg);
  scanCarries(segments, batch, nSeg, M, scratch + batch * nSeg * M, stream);
  enterStates<<<blocks, kThreads, 0, stream>>>(items, batch, K, M, segments, nSeg, kSegment);
}

template <typename T, bool Grid>
void launchTyped(const ScanParams& p, void* scratch, int smCount, cudaStream_t stream) {
  const Layout l = layout(p, smCount);
  const int64_t blocks = blocksFor(l.tasks, kWarpsPerBlock);
  float2* carry = nullptr;
  if (l.chunks > 1) {
    carry = static_cast<float2*>(scratch);
    scanChunks<T, false, Grid><<<blocks, kWarp * kWarpsPerBlock, 0, stream>>>(p, l, carry);
    const int64_t pairs = p.batch * l.chunks * p.channels * p.states;
    scanCarries(carry, p.batch, l.chunks, p.channels * p.states, carry + pairs, stream);
  }
  scanChunks<T, true, Grid><<<blocks, kWarp * kWarpsPerBlock, 0, stream>>>(p, l, carry);
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) throw std::runtime_error(std::string("selective scan: CUDA launch failed: ") + cudaGetErrorString(err));
}

}  // namespace

int64_t scanScratchBytes(const ScanParams& p, int smCount) {
  const Layout l = layout(p, smCount);
  if (l.chunks <= 1) return 0;
  const int64_t M = p.channels * p.states;
  return (p.batch * l.chunks * M + levelPairs(p.batch, l.chunks, M)) * int64_t{sizeof(float2)};
}

void launchSelectiveScan(const ScanParams& p, void* scratch, int smCount, cudaStream_t stream) {
  if (p.states < 1 || p.states > kMaxScanStates)
    throw std::invalid_argument("selective scan: the CUDA kernel takes 1 to " + std::to_string(kMaxScanStates) +
                                " states per channel, not " + std::to_string(p.states));
  if (p.batch * p.channels * p.length == 0) return;
  // Cross scans run in fp32 (the official SS2D converts its inputs): one more instantiation, not three.
  if (p.gridRows > 0) {
    if (p.dtype != ElementType::Float32) throw std::invalid_argument("selective scan: a cross scan takes fp32 inputs");
    return launchTyped<float, true>(p, scratch, smCount, stream);
  }
  withElementType(p.dtype, [&](auto t) { launchTyped<decltype(t), false>(p, scratch, smCount, stream); });
}

}  // namespace krait::models::cuda
