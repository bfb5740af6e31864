// Group normalisation (nn.GroupNorm, and nn.InstanceNorm as one channel per group) with the affine, an optional
// residual and the leaky ReLU fused, over the whole grid, for channels-first and channels-last tensors:
//   1. moments: each block sums a slice of a group's values (shifted by the group's first value, in double)
//      and writes its partial sums (channels-last: a slice of positions, per channel);
//   2. coefficients: one warp per (sample, channel) combines its group's partials into mean, scale and bias;
//   3. apply: normalise, add the residual, activate, write.
// That is two reads and one write per element. LibTorch's kernels give one block to each (sample, group) for
// the statistics, which leaves most of the GPU idle at batch 1 (a tile's first stage has 32 groups), take
// separate passes for the affine, the residual and the activation, and have no channels-last path.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "element_type.cuh"
#include "group_norm_cuda.h"

namespace krait::models::cuda {

namespace {

constexpr int kThreads = 256;
constexpr int kWarp = 32;
constexpr int kVectorsPerThread = 4;  // per block: enough work per block to hide its start-up
constexpr int64_t kMaxSlices = 1024;
constexpr int kReduceSlots = 2048;  // channels-last partial sums staged per block: rows x channels

struct Layout {
  int vector;                   // elements per load (16 bytes when aligned, else 1)
  int64_t perGroup, groupLength;  // channels per group; elements per (sample, group)
  int64_t slices, sliceLength;  // moments: per group (channels-first, elements) or per sample (channels-last, rows)
  int64_t applyBlocks, applyLength;  // apply: per plane (channels-first) or per sample (channels-last), elements
};

bool aligned(const void* p) { return p == nullptr || reinterpret_cast<uintptr_t>(p) % 16 == 0; }

Layout layout(const GroupNormParams& p, int elementBytes, int smCount) {
  Layout l;
  const int wide = 16 / elementBytes;
  const int64_t fastest = p.channelsLast ? p.channels : p.spatial;
  l.vector = fastest % wide == 0 && aligned(p.x) && aligned(p.residual) && aligned(p.out) ? wide : 1;
  l.perGroup = p.channels / p.groups;
  l.groupLength = l.perGroup * p.spatial;
  const int64_t perBlock = int64_t{kThreads} * l.vector * kVectorsPerThread;
  // Eight blocks per SM, no slice shorter than a block's share of work.
  const int64_t sliced = p.channelsLast ? p.batch : p.batch * p.groups;
  const int64_t sliceable = p.channelsLast ? p.spatial * p.channels : l.groupLength;
  const int64_t wanted = (int64_t{smCount} * 8 + sliced - 1) / sliced;
  const int64_t slices = std::clamp<int64_t>(std::min(wanted, sliceable / perBlock), 1, kMaxSlices);
  if (p.channelsLast) {
    l.sliceLength = (p.spatial + slices - 1) / slices;
    l.slices = (p.spatial + l.sliceLength - 1) / l.sliceLength;
  } else {
    l.sliceLength = ((l.groupLength + slices - 1) / slices + l.vector - 1) / l.vector * l.vector;
    l.slices = (l.groupLength + l.sliceLength - 1) / l.sliceLength;
  }
  l.applyLength = perBlock;
  l.applyBlocks = (p.spatial * (p.channelsLast ? p.channels : 1) + perBlock - 1) / perBlock;
  return l;
}

template <typename T, int V>
struct alignas(sizeof(T) * V) Pack {
  T v[V];
};

template <typename T, int V>
__device__ __forceinline__ void load(const T* p, float (&out)[V]) {
  const Pack<T, V> pack = *reinterpret_cast<const Pack<T, V>*>(p);
#pragma unroll
  for (int k = 0; k < V; ++k) out[k] = toFloat(pack.v[k]);
}

__device__ __forceinline__ double warpSum(double v) {
#pragma unroll
  for (int o = kWarp / 2; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ __forceinline__ int64_t lesser(int64_t a, int64_t b) { return a < b ? a : b; }

// Channels-first. partial: (batch * groups, slices) sums of (x - shift) and of its square; shifts: each
// group's first value.
template <typename T, int V>
__global__ void __launch_bounds__(kThreads) planarMoments(GroupNormParams p, Layout l, double2* partial, float* shifts) {
  const int64_t unit = blockIdx.y, slice = blockIdx.x;
  const T* group = static_cast<const T*>(p.x) + unit * l.groupLength;
  const float shift = toFloat(group[0]);
  const int64_t end = lesser(l.groupLength, (slice + 1) * l.sliceLength);
  double sum = 0, squares = 0;
  for (int64_t i = slice * l.sliceLength + int64_t{threadIdx.x} * V; i < end; i += int64_t{kThreads} * V) {
    float v[V];
    load<T, V>(group + i, v);
    float s = 0, q = 0;
#pragma unroll
    for (int k = 0; k < V; ++k) {
      const float d = v[k] - shift;
      s += d;
      q += d * d;
    }
    sum += s;
    squares += q;
  }
  __shared__ double2 warps[kThreads / kWarp];
  sum = warpSum(sum);
  squares = warpSum(squares);
  if (threadIdx.x % kWarp == 0) warps[threadIdx.x / kWarp] = make_double2(sum, squares);
  __syncthreads();
  if (threadIdx.x == 0) {
    double2 total = warps[0];
    for (int w = 1; w < kThreads / kWarp; ++w) {
      total.x += warps[w].x;
      total.y += warps[w].y;
    }
    partial[unit * l.slices + slice] = total;
    if (slice == 0) shifts[unit] = shift;
  }
}

// Channels-last: each thread keeps V neighbouring channels of every rowsPerPass-th row of the slice.
// partial: (batch, slices, channels); shifts as above.
template <typename T, int V>
__global__ void __launch_bounds__(kThreads) channelsLastMoments(GroupNormParams p, Layout l, double2* partial, float* shifts) {
  const int64_t n = blockIdx.y, slice = blockIdx.x, C = p.channels;
  const int columns = static_cast<int>(C / V), rowsPerPass = kThreads / columns;
  const int row = threadIdx.x / columns, column = threadIdx.x % columns;
  const T* sample = static_cast<const T*>(p.x) + n * p.spatial * C;
  double sum[V] = {}, squares[V] = {};
  float shift[V];
#pragma unroll
  for (int k = 0; k < V; ++k) shift[k] = toFloat(sample[(column * V + k) / l.perGroup * l.perGroup]);
  if (row < rowsPerPass) {
    const int64_t end = lesser(p.spatial, (slice + 1) * l.sliceLength);
    // Four rows' loads in flight at once, summed in float before the double accumulators.
    constexpr int kRows = 4;
    for (int64_t r = slice * l.sliceLength + row; r < end; r += kRows * rowsPerPass) {
      float v[kRows][V], s[V] = {}, q[V] = {};
#pragma unroll
      for (int j = 0; j < kRows; ++j) {
        const int64_t rj = r + j * rowsPerPass;
        if (rj < end) load<T, V>(sample + rj * C + column * V, v[j]);
        else
#pragma unroll
          for (int k = 0; k < V; ++k) v[j][k] = shift[k];
      }
#pragma unroll
      for (int j = 0; j < kRows; ++j)
#pragma unroll
        for (int k = 0; k < V; ++k) {
          const float d = v[j][k] - shift[k];
          s[k] += d;
          q[k] += d * d;
        }
#pragma unroll
      for (int k = 0; k < V; ++k) {
        sum[k] += s[k];
        squares[k] += q[k];
      }
    }
  }
  __shared__ double2 staged[kReduceSlots];
  if (row < rowsPerPass)
#pragma unroll
    for (int k = 0; k < V; ++k) staged[row * C + column * V + k] = make_double2(sum[k], squares[k]);
  __syncthreads();
  for (int64_t c = threadIdx.x; c < C; c += kThreads) {
    double2 total = make_double2(0, 0);
    for (int r = 0; r < rowsPerPass; ++r) {
      total.x += staged[r * C + c].x;
      total.y += staged[r * C + c].y;
    }
    partial[(n * l.slices + slice) * C + c] = total;
  }
  if (slice == 0)
    for (int64_t g = threadIdx.x; g < p.groups; g += kThreads) shifts[n * p.groups + g] = toFloat(sample[g * l.perGroup]);
}

// One warp per (sample, channel): (hi, lo, scale, bias) with mean = hi + lo as a float pair, so that x - hi is
// exact near the mean (as on the CPU path).
__global__ void __launch_bounds__(kThreads) coefficients(GroupNormParams p, Layout l, const double2* partial,
                                                         const float* shifts, float4* out) {
  const int64_t i = (int64_t{blockIdx.x} * blockDim.x + threadIdx.x) / kWarp;
  const int lane = threadIdx.x % kWarp;
  if (i >= p.batch * p.channels) return;
  const int64_t n = i / p.channels, c = i % p.channels, g = c / l.perGroup, unit = n * p.groups + g;
  double sum = 0, squares = 0;
  if (p.channelsLast) {
    for (int64_t j = lane; j < l.slices * l.perGroup; j += kWarp) {
      const double2 v = partial[(n * l.slices + j / l.perGroup) * p.channels + g * l.perGroup + j % l.perGroup];
      sum += v.x;
      squares += v.y;
    }
  } else {
    for (int64_t s = lane; s < l.slices; s += kWarp) {
      sum += partial[unit * l.slices + s].x;
      squares += partial[unit * l.slices + s].y;
    }
  }
  sum = warpSum(sum);
  squares = warpSum(squares);
  if (lane != 0) return;
  const double count = static_cast<double>(l.groupLength), m = sum / count;
  const double mean = shifts[unit] + m, variance = fmax(0.0, squares / count - m * m);
  const float hi = static_cast<float>(mean);
  out[i] = make_float4(hi, static_cast<float>(mean - hi),
                       static_cast<float>(1.0 / sqrt(variance + p.eps)) * (p.weight ? p.weight[c] : 1.0f),
                       p.bias ? p.bias[c] : 0.0f);
}

template <typename T, int V>
__device__ __forceinline__ void applyVector(const GroupNormParams& p, int64_t i, const float4* coefficient) {
  float v[V], r[V] = {};
  load<T, V>(static_cast<const T*>(p.x) + i, v);
  if (p.residual) load<T, V>(static_cast<const T*>(p.residual) + i, r);
  Pack<T, V> result;
#pragma unroll
  for (int k = 0; k < V; ++k) {
    const float4 f = coefficient[k];
    const float y = ((v[k] - f.x) - f.y) * f.z + f.w + r[k];
    result.v[k] = fromFloat<T>(fmaxf(y, 0.0f) + p.slope * fminf(y, 0.0f));
  }
  *reinterpret_cast<Pack<T, V>*>(static_cast<T*>(p.out) + i) = result;
}

// Channels-first: block (x, plane) normalises part of one (sample, channel) plane.
template <typename T, int V>
__global__ void __launch_bounds__(kThreads) planarApply(GroupNormParams p, Layout l, const float4* coefficient) {
  const int64_t plane = blockIdx.y;
  float4 same[V];
#pragma unroll
  for (int k = 0; k < V; ++k) same[k] = coefficient[plane];
  const int64_t end = lesser(p.spatial, (int64_t{blockIdx.x} + 1) * l.applyLength);
  for (int64_t i = blockIdx.x * l.applyLength + int64_t{threadIdx.x} * V; i < end; i += int64_t{kThreads} * V)
    applyVector<T, V>(p, plane * p.spatial + i, same);
}

// Channels-last: block (x, sample) normalises part of one sample, its coefficients staged in shared memory.
// When a block's stride over the sample is a multiple of the channels, every thread meets the same channels on
// every step: their coefficients stay in registers.
template <typename T, int V>
__global__ void __launch_bounds__(kThreads) channelsLastApply(GroupNormParams p, Layout l, const float4* coefficient) {
  extern __shared__ float4 sampleCoefficients[];
  const int64_t n = blockIdx.y, C = p.channels, length = p.spatial * C;
  for (int64_t c = threadIdx.x; c < C; c += kThreads) sampleCoefficients[c] = coefficient[n * C + c];
  __syncthreads();
  const int64_t end = lesser(length, (int64_t{blockIdx.x} + 1) * l.applyLength);
  const int64_t first = blockIdx.x * l.applyLength + int64_t{threadIdx.x} * V, stride = int64_t{kThreads} * V;
  if (stride % C == 0) {
    float4 same[V];
#pragma unroll
    for (int k = 0; k < V; ++k) same[k] = sampleCoefficients[first % C + k];
    for (int64_t i = first; i < end; i += stride) applyVector<T, V>(p, n * length + i, same);
  } else {
    for (int64_t i = first; i < end; i += stride) applyVector<T, V>(p, n * length + i, sampleCoefficients + i % C);
  }
}

struct Scratch {
  double2* partial;
  float* shifts;
  float4* coefficients;
  int64_t bytes;
};

Scratch carve(const GroupNormParams& p, const Layout& l, void* base) {
  const int64_t partials = p.channelsLast ? p.batch * l.slices * p.channels : p.batch * p.groups * l.slices;
  const int64_t partialBytes = partials * int64_t{sizeof(double2)};
  const int64_t coefficientBytes = p.batch * p.channels * int64_t{sizeof(float4)};
  char* b = static_cast<char*>(base);
  return {reinterpret_cast<double2*>(b), reinterpret_cast<float*>(b + partialBytes + coefficientBytes),
          reinterpret_cast<float4*>(b + partialBytes),
          partialBytes + coefficientBytes + p.batch * p.groups * int64_t{sizeof(float)}};
}

dim3 grid(int64_t x, int64_t y) { return dim3(static_cast<unsigned>(x), static_cast<unsigned>(y)); }

template <typename T, int V>
void launchVector(const GroupNormParams& p, const Layout& l, void* base, cudaStream_t stream) {
  const Scratch s = carve(p, l, base);
  if (p.channelsLast)
    channelsLastMoments<T, V><<<grid(l.slices, p.batch), kThreads, 0, stream>>>(p, l, s.partial, s.shifts);
  else
    planarMoments<T, V><<<grid(l.slices, p.batch * p.groups), kThreads, 0, stream>>>(p, l, s.partial, s.shifts);
  const int64_t pairs = p.batch * p.channels;
  constexpr int64_t kWarpsPerBlock = kThreads / kWarp;
  coefficients<<<static_cast<unsigned>((pairs + kWarpsPerBlock - 1) / kWarpsPerBlock), kThreads, 0, stream>>>(
      p, l, s.partial, s.shifts, s.coefficients);
  if (p.channelsLast)
    channelsLastApply<T, V><<<grid(l.applyBlocks, p.batch), kThreads, p.channels * sizeof(float4), stream>>>(p, l, s.coefficients);
  else
    planarApply<T, V><<<grid(l.applyBlocks, pairs), kThreads, 0, stream>>>(p, l, s.coefficients);
}

int elementBytes(ElementType type) { return type == ElementType::Float32 ? 4 : 2; }

}  // namespace

int64_t groupNormScratchBytes(const GroupNormParams& p, int smCount) {
  return carve(p, layout(p, elementBytes(p.type), smCount), nullptr).bytes;
}

void launchGroupNorm(const GroupNormParams& p, void* scratch, int smCount, cudaStream_t stream) {
  if (p.groups < 1 || p.channels % p.groups != 0)
    throw std::invalid_argument("group norm: " + std::to_string(p.channels) + " channels do not split into " +
                                std::to_string(p.groups) + " groups");
  if (p.batch * p.channels * p.spatial == 0) return;
  // Grid y is limited to 65,535 (sample channels per launch); a block stages one sample's channels.
  if (p.batch * p.channels > 65535) throw std::invalid_argument("group norm: more than 65,535 sample channels");
  const Layout l = layout(p, elementBytes(p.type), smCount);
  if (p.channelsLast && (p.channels > kMaxChannelsLastChannels || p.channels / l.vector > kThreads))
    throw std::invalid_argument("group norm: too many channels for the channels-last kernel: " + std::to_string(p.channels));
  withElementType(p.type, [&](auto t) {
    using T = decltype(t);
    constexpr int kWide = 16 / sizeof(T);
    if (l.vector == kWide) launchVector<T, kWide>(p, l, scratch, stream);
    else launchVector<T, 1>(p, l, scratch, stream);
  });
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) throw std::runtime_error(std::string("group norm: CUDA launch failed: ") + cudaGetErrorString(err));
}

}  // namespace krait::models::cuda
