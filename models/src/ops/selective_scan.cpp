// CPU selective scan. The kernel part of this file (the #else branch at the bottom) is compiled once per
// instruction set: the file includes itself inside a `#pragma GCC target` region and a namespace per set, with
// KRAIT_SCAN_LANES set to the vector width (the pattern of Google Highway's foreach_target.h). The binary runs
// on any x86-64 CPU and picks the widest kernel the CPU has at run time.
#ifndef KRAIT_SCAN_LANES

#include "krait/models/ops/selective_scan.h"
#include "krait/models/ops/autograd.h"
#include "selective_scan_check.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#ifdef KRAIT_WITH_CUDA
#include "cuda/selective_scan_tensors.h"
#endif

namespace krait::models {

namespace {

// The scan's operands as raw fp32 pointers and element strides, after dtype conversion (no copies of fp32
// inputs, whatever their strides).
struct ScanArgs {
  int64_t batch = 0, channels = 0, length = 0, states = 0;
  int64_t groups = 1;     // channel groups the kernels' blocks must not straddle: lcm of B's and C's groups
  int64_t perGroup = 0;   // channels / groups
  int64_t bGroupDiv = 1;  // group g reads B's group g / bGroupDiv
  int64_t cGroupDiv = 1;
  const float* u = nullptr;
  const float* delta = nullptr;
  const float* z = nullptr;  // null: no gate
  int64_t uStride[3] = {}, deltaStride[3] = {}, zStride[3] = {};  // (batch, channel, token)
  const float* B = nullptr;
  const float* C = nullptr;
  int64_t bStride[4] = {}, cStride[4] = {};  // (batch, group, state, token)
  const float* A = nullptr;                  // (channels, states), contiguous
  const float* D = nullptr;                  // (channels) or null
  const float* bias = nullptr;               // (channels) or null
  bool softplus = false;
  float* out = nullptr;  // (batch, channels, length), contiguous
};

}  // namespace

}  // namespace krait::models

// ---- The kernels, one namespace per instruction set --------------------------------------------------------

#if defined(__x86_64__)
#define KRAIT_SCAN_LANES 16
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")
namespace krait::models::scan_avx512 {
#include "selective_scan.cpp"
}  // namespace krait::models::scan_avx512
#pragma GCC pop_options
#undef KRAIT_SCAN_LANES

#define KRAIT_SCAN_LANES 8
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace krait::models::scan_avx2 {
#include "selective_scan.cpp"
}  // namespace krait::models::scan_avx2
#pragma GCC pop_options
#undef KRAIT_SCAN_LANES
#endif

#define KRAIT_SCAN_LANES 4
namespace krait::models::scan_generic {
#include "selective_scan.cpp"
}  // namespace krait::models::scan_generic
#undef KRAIT_SCAN_LANES

// ---- Dispatch, checks and the reference ------------------------------------------------------------------

namespace krait::models {

namespace {


// States decay by exp(dt*A) every step and soon fall below 1e-38, where x86 arithmetic on denormals is ~50x
// slower; they are flushed to zero, as the official CUDA kernel (built with fast math) does.
class FlushDenormals {
 public:
#if defined(__x86_64__)
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | 0x8040); }  // FTZ | DAZ
  ~FlushDenormals() { _mm_setcsr(saved_); }
#endif
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

 private:
  [[maybe_unused]] unsigned int saved_ = 0;
};

struct Kernel {
  CpuScanKernel id;
  const char* name;
  int lanes;
  void (*run)(const ScanArgs&, int64_t, int64_t);
};

bool supported(CpuScanKernel k) {
#if defined(__x86_64__)
  switch (k) {
    case CpuScanKernel::Avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx2") &&
             __builtin_cpu_supports("fma");
    case CpuScanKernel::Avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    default:
      return true;
  }
#else
  return k == CpuScanKernel::Automatic || k == CpuScanKernel::Generic;
#endif
}

Kernel kernel(CpuScanKernel k) {
  if (k == CpuScanKernel::Automatic)
    k = supported(CpuScanKernel::Avx512) ? CpuScanKernel::Avx512
        : supported(CpuScanKernel::Avx2) ? CpuScanKernel::Avx2
                                          : CpuScanKernel::Generic;
  if (!supported(k)) throw std::invalid_argument("selective scan: this CPU cannot run that kernel");
  switch (k) {
#if defined(__x86_64__)
    case CpuScanKernel::Avx512:
      return {k, "avx512", scan_avx512::kLanes, &scan_avx512::run};
    case CpuScanKernel::Avx2:
      return {k, "avx2", scan_avx2::kLanes, &scan_avx2::run};
#endif
    default:
      return {CpuScanKernel::Generic, "generic", scan_generic::kLanes, &scan_generic::run};
  }
}

// Runs fn(begin, end) over [0, units) split into contiguous ranges, one per intra-op thread
// (at::get_num_threads()), each worth at least ~0.1 ms of scanning (work: state updates per unit).
void parallelUnits(int64_t units, int64_t work, const std::function<void(int64_t, int64_t)>& fn) {
  constexpr int64_t kMinWork = int64_t{1} << 19;
  const int64_t threads = std::min({static_cast<int64_t>(at::get_num_threads()), units,
                                    std::max<int64_t>(1, units * work / kMinWork)});
  if (threads <= 1 || at::in_parallel_region()) {
    fn(0, units);
    return;
  }
  at::parallel_for(0, units, (units + threads - 1) / threads, fn);
}

torch::Tensor scanCpu(const SelectiveScanInputs& in, const Kernel& k) {
  RECORD_USER_SCOPE("krait::selective_scan");  // one named op in profiles (and in network_bench's breakdown)
  if (in.out.defined() && (in.out.sizes() != in.u.sizes() || in.out.scalar_type() != torch::kFloat32 ||
                           in.u.scalar_type() != torch::kFloat32 || !in.out.is_contiguous() || !in.out.device().is_cpu()))
    throw std::invalid_argument("selective scan: out must be a contiguous fp32 CPU tensor shaped like u, and u fp32");
  const auto f32 = [](const torch::Tensor& t) { return t.scalar_type() == torch::kFloat32 ? t : t.to(torch::kFloat32); };
  const auto grouped = [&](const torch::Tensor& t) { return f32(t.dim() == 3 ? t.unsqueeze(1) : t); };
  const int64_t batch = in.u.size(0), channels = in.u.size(1), length = in.u.size(2), states = in.A.size(1);
  const torch::Tensor u = f32(in.u), delta = f32(in.delta), B = grouped(in.B), C = grouped(in.C);
  const torch::Tensor z = in.z.defined() ? f32(in.z) : torch::Tensor();
  const torch::Tensor A = f32(in.A).contiguous();
  const torch::Tensor D = in.D.defined() ? f32(in.D).contiguous() : torch::Tensor();
  const torch::Tensor bias = in.deltaBias.defined() ? f32(in.deltaBias).contiguous() : torch::Tensor();
  // From the process's CPU allocator: under the engine (keepFreedMemoryForReuse) a block that an earlier tile's
  // output gave back, not fresh pages faulted in on every call.
  torch::Tensor out = in.out.defined() ? in.out : torch::empty({batch, channels, length}, torch::kFloat32);
  if (out.numel() == 0) return out.to(in.u.scalar_type());

  ScanArgs a;
  a.batch = batch;
  a.channels = channels;
  a.length = length;
  a.states = states;
  a.groups = std::lcm(B.size(1), C.size(1));
  a.perGroup = channels / a.groups;
  a.bGroupDiv = a.groups / B.size(1);
  a.cGroupDiv = a.groups / C.size(1);
  const auto strides = [](const torch::Tensor& t, int64_t* s) {
    for (int64_t i = 0; i < t.dim(); ++i) s[i] = t.stride(i);
  };
  a.u = u.data_ptr<float>();
  strides(u, a.uStride);
  a.delta = delta.data_ptr<float>();
  strides(delta, a.deltaStride);
  if (z.defined()) {
    a.z = z.data_ptr<float>();
    strides(z, a.zStride);
  }
  a.B = B.data_ptr<float>();
  strides(B, a.bStride);
  a.C = C.data_ptr<float>();
  strides(C, a.cStride);
  a.A = A.data_ptr<float>();
  a.D = D.defined() ? D.data_ptr<float>() : nullptr;
  a.bias = bias.defined() ? bias.data_ptr<float>() : nullptr;
  a.softplus = in.deltaSoftplus;
  a.out = out.data_ptr<float>();

  // Work units: one block of `lanes` channels of one group of one batch element, scanned over the whole
  // sequence. A thread takes a contiguous range of units and walks the sequence in chunks, all its units per
  // chunk, so that a chunk of B and C is read from memory once per thread.
  const int64_t blocksPerGroup = (a.perGroup + k.lanes - 1) / k.lanes;
  const int64_t units = batch * a.groups * blocksPerGroup;
  parallelUnits(units, length * states * k.lanes, [&](int64_t begin, int64_t end) {
    const FlushDenormals flush;
    k.run(a, begin, end);
  });
  return out.to(in.u.scalar_type());
}

}  // namespace

void checkSelectiveScanInputs(const SelectiveScanInputs& in) {
  const auto& u = in.u;
  if (!u.defined() || !in.delta.defined() || !in.A.defined() || !in.B.defined() || !in.C.defined())
    throw std::invalid_argument("selective scan: u, delta, A, B and C are required");
  if (u.dim() != 3 || in.delta.sizes() != u.sizes()) throw std::invalid_argument("selective scan: u and delta must be (B, D, L)");
  if (in.A.dim() != 2 || in.A.size(0) != u.size(1)) throw std::invalid_argument("selective scan: A must be (D, N)");
  const int64_t n = in.A.size(1);
  for (const auto* t : {&in.B, &in.C}) {
    const bool plain = t->dim() == 3 && t->size(0) == u.size(0) && t->size(1) == n && t->size(2) == u.size(2);
    const bool grouped = t->dim() == 4 && t->size(0) == u.size(0) && t->size(1) > 0 && t->size(2) == n &&
                         t->size(3) == u.size(2) && u.size(1) % t->size(1) == 0;
    if (!plain && !grouped) throw std::invalid_argument("selective scan: B and C must be (B, N, L) or (B, G, N, L)");
  }
  if (in.z.defined() && in.z.sizes() != u.sizes()) throw std::invalid_argument("selective scan: z must match u");
  for (const auto* t : {&in.D, &in.deltaBias})
    if (t->defined() && (t->dim() != 1 || t->size(0) != u.size(1)))
      throw std::invalid_argument("selective scan: D and deltaBias must be (D)");
}

bool cpuScanKernelSupported(CpuScanKernel k) { return supported(k); }

const char* cpuScanKernelName(CpuScanKernel k) { return supported(k) ? kernel(k).name : "unsupported"; }

torch::Tensor selectiveScan(const SelectiveScanInputs& in) {
  checkSelectiveScanInputs(in);
  if (!in.out.defined() && recordsGradient({in.u, in.delta, in.A, in.B, in.C, in.D, in.z, in.deltaBias}))
    return selectiveScanDifferentiable(in);
#ifdef KRAIT_WITH_CUDA
  if (in.u.is_cuda()) return selectiveScanCuda(in);
#endif
  if (!in.u.device().is_cpu()) throw std::invalid_argument("selective scan: this build has no kernel for " + in.u.device().str());
  static const Kernel best = kernel(CpuScanKernel::Automatic);
  return scanCpu(in, best);
}

torch::Tensor selectiveScan(const SelectiveScanInputs& in, CpuScanKernel k) {
  checkSelectiveScanInputs(in);
  if (!in.u.device().is_cpu()) throw std::invalid_argument("selective scan: the CPU kernels take CPU tensors, not " + in.u.device().str());
  return scanCpu(in, kernel(k));
}

torch::Tensor selectiveScanReference(const SelectiveScanInputs& in) {
  checkSelectiveScanInputs(in);
  const auto type = in.u.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
  const auto f = [type](const torch::Tensor& t) { return t.to(type); };
  torch::Tensor u = f(in.u), delta = f(in.delta), A = f(in.A);
  if (in.deltaBias.defined()) delta = delta + f(in.deltaBias).unsqueeze(-1);
  if (in.deltaSoftplus) delta = torch::softplus(delta);
  const int64_t channels = u.size(1);
  const auto expand = [&](const torch::Tensor& t) {  // grouped (B,G,N,L) -> (B,D,N,L); plain -> (B,1,N,L)
    return t.dim() == 3 ? f(t).unsqueeze(1) : f(t).repeat_interleave(channels / t.size(1), 1);
  };
  const torch::Tensor B = expand(in.B), C = expand(in.C);
  const torch::Tensor deltaA = torch::exp(delta.unsqueeze(-1) * A.unsqueeze(0).unsqueeze(2));  // (B,D,L,N)
  const torch::Tensor deltaBu = (delta * u).unsqueeze(-1) * B.transpose(2, 3);                  // (B,D,L,N)
  torch::Tensor h = torch::zeros({u.size(0), channels, A.size(1)}, u.options());
  std::vector<torch::Tensor> ys;
  for (int64_t t = 0; t < u.size(2); ++t) {
    h = deltaA.select(2, t) * h + deltaBu.select(2, t);
    ys.push_back((h * C.select(3, t)).sum(-1));
  }
  torch::Tensor out = ys.empty() ? torch::zeros_like(u) : torch::stack(ys, -1);
  if (in.D.defined()) out = out + u * f(in.D).unsqueeze(-1);
  if (in.z.defined()) out = out * torch::silu(f(in.z));
  return out.to(in.u.scalar_type());
}

}  // namespace krait::models

#else  // KRAIT_SCAN_LANES: ---- the kernel, compiled once per instruction set -------------------------------

namespace {

constexpr int kLanes = KRAIT_SCAN_LANES;
constexpr int W = kLanes;
// Tokens per chunk: a chunk's tiles (u, delta, z: T x W floats each; B and C: T x N) stay in L1/L2.
constexpr int64_t kChunk = 256;

typedef float vf __attribute__((vector_size(4 * W)));
typedef int32_t vi __attribute__((vector_size(4 * W)));

#define KRAIT_INLINE inline __attribute__((always_inline))

// (Not `vf{} + s`: without -ffast-math GCC cannot drop the + 0 and emits a scalar add before the broadcast.)
KRAIT_INLINE vf splat(float s) {
#if KRAIT_SCAN_LANES == 16
  return (vf)_mm512_set1_ps(s);
#elif KRAIT_SCAN_LANES == 8
  return (vf)_mm256_set1_ps(s);
#else
  return vf{s, s, s, s};
#endif
}
KRAIT_INLINE vf load(const float* p) {
  vf v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
KRAIT_INLINE void store(float* p, vf v) { std::memcpy(p, &v, sizeof v); }

#if KRAIT_SCAN_LANES == 16
KRAIT_INLINE vf fma(vf a, vf b, vf c) { return (vf)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c); }
// (The masked forms with every lane set: the unmasked intrinsics trip GCC 12's -Wmaybe-uninitialized.)
KRAIT_INLINE vf roundNearest(vf x) {
  return (vf)_mm512_mask_roundscale_ps((__m512)x, 0xffff, (__m512)x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
// p * 2^k for integral k; vscalefps saturates to 0 or inf by itself.
KRAIT_INLINE vf scale2(vf p, vf k) { return (vf)_mm512_mask_scalef_ps((__m512)p, 0xffff, (__m512)p, (__m512)k); }
// (vmaxps/vminps return their second operand when either is NaN: x goes second, so NaN stays NaN.)
KRAIT_INLINE vf clamp(vf x, float lo, float hi) {
  const __m512 y = _mm512_mask_max_ps((__m512)x, 0xffff, _mm512_set1_ps(lo), (__m512)x);
  return (vf)_mm512_mask_min_ps(y, 0xffff, _mm512_set1_ps(hi), y);
}
#else
#if KRAIT_SCAN_LANES == 8
KRAIT_INLINE vf fma(vf a, vf b, vf c) { return (vf)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c); }
KRAIT_INLINE vf roundNearest(vf x) { return (vf)_mm256_round_ps((__m256)x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
KRAIT_INLINE vf clamp(vf x, float lo, float hi) {  // NaN stays NaN, as for AVX-512
  return (vf)_mm256_min_ps(_mm256_set1_ps(hi), _mm256_max_ps(_mm256_set1_ps(lo), (__m256)x));
}
#else
KRAIT_INLINE vf fma(vf a, vf b, vf c) { return a * b + c; }
// Adding and subtracting 1.5 * 2^23 rounds to nearest (for |x| < 2^22).
KRAIT_INLINE vf roundNearest(vf x) {
  const vf magic = splat(12582912.0f);
  return (x + magic) - magic;
}
KRAIT_INLINE vf clamp(vf x, float lo, float hi) {
  x = x < splat(lo) ? splat(lo) : x;
  return x > splat(hi) ? splat(hi) : x;
}
#endif
// p * 2^k for integral k in [-127, 127]: k = -127 gives 0 (the true result would be denormal).
KRAIT_INLINE vf scale2(vf p, vf k) {
  const vi bits = (__builtin_convertvector(k, vi) + 127) << 23;
  return p * (vf)bits;
}
#endif

#if KRAIT_SCAN_LANES == 16
// 1 / w to ~1 ulp: the 14-bit estimate and one Newton step (cheaper than vdivps, which has one unit).
KRAIT_INLINE vf reciprocal(vf w) {
  const vf r = (vf)_mm512_mask_rcp14_ps((__m512)w, 0xffff, (__m512)w);
  return fma(r, fma(-w, r, splat(1.0f)), r);
}
#elif KRAIT_SCAN_LANES == 8
KRAIT_INLINE vf reciprocal(vf w) {
  const vf r = (vf)_mm256_rcp_ps((__m256)w);  // 12 bits; one Newton step gives ~23
  return fma(r, fma(-w, r, splat(1.0f)), r);
}
#else
KRAIT_INLINE vf reciprocal(vf w) { return 1.0f / w; }
#endif

// 2^x for the state decay exp(dt A) = 2^(dt (A log2 e)), as the CUDA kernel computes it: x = k + f with
// k = round(x), |f| <= 1/2, 2^f = 1 + f P(f) with a degree-4 least-squares P (2.6 ulp in fp32 arithmetic; the
// error vanishes with f, so it does not accumulate over the long products of near-1 decays), times 2^k.
KRAIT_INLINE vf exp2Poly(vf f) {
  vf p = splat(1.3218672247603536e-3f);
  p = fma(p, f, splat(9.671698324382305e-3f));
  p = fma(p, f, splat(5.550893023610115e-2f));
  p = fma(p, f, splat(2.4022237956523895e-1f));
  p = fma(p, f, splat(6.931468844413757e-1f));
  return fma(p, f, splat(1.0f));
}

#if KRAIT_SCAN_LANES == 16
KRAIT_INLINE vf exp2v(vf x) {
  const vf k = roundNearest(x);
  return scale2(exp2Poly(x - k), k);  // vscalefps saturates to 0 and inf by itself
}
#else
// Without vscalefps: x clamped to [-127, 127]; adding 1.5 * 2^23 + 127 rounds it and leaves k + 127 in the
// low mantissa bits, which shifted into the exponent field make 2^k (k = -127 gives 0: the true value would be
// a denormal).
KRAIT_INLINE vf exp2v(vf x) {
  x = clamp(x, -127.0f, 127.0f);
  const vf magic = splat(12583039.0f);
  const vf t = x + magic;
  const vf k = t - magic;
  return exp2Poly(x - k) * (vf)((vi)t << 23);
}
#endif

// e^x to within 2 ulp (Cephes expf: Cody-Waite reduction by ln 2 in two parts), for the step sizes and the
// gate. Saturates at e^-88 (-> 0) and e^88 (finite).
KRAIT_INLINE vf expv(vf x) {
  x = clamp(x, -88.0f, 88.0f);
  const vf k = roundNearest(x * splat(1.44269504088896341f));
  vf r = fma(k, splat(-0.693359375f), x);
  r = fma(k, splat(2.12194440e-4f), r);
  vf p = splat(1.9875691500e-4f);
  p = fma(p, r, splat(1.3981999507e-3f));
  p = fma(p, r, splat(8.3334519073e-3f));
  p = fma(p, r, splat(4.1665795894e-2f));
  p = fma(p, r, splat(1.6666665459e-1f));
  p = fma(p, r, splat(5.0000001201e-1f));
  p = fma(p, r * r, r) + splat(1.0f);
  return scale2(p, k);
}

// log1p(e) for e in [0, 1], as 2 atanh(s) + j ln 2: j = 0, s = e / (2 + e) for e <= sqrt(2) - 1, else j = 1,
// s = (e - 1) / (e + 3) (i.e. 1 + e halved into [sqrt(1/2), sqrt(2))), |s| <= 0.172; odd series to s^9
// (truncation < 1e-9). e enters without forming 1 + e, so tiny e keep full relative precision.
KRAIT_INLINE vf log1pUnit(vf e) {
  const vi big = e > splat(0.41421356237f);
  const vf j = big ? splat(1.0f) : splat(0.0f);
  const vf s = (e - j) * reciprocal(e + 2.0f + j);
  const vf s2 = s * s, twice = s + s;
  vf q = splat(1.0f / 9.0f);
  q = fma(q, s2, splat(1.0f / 7.0f));
  q = fma(q, s2, splat(1.0f / 5.0f));
  q = fma(q, s2, splat(1.0f / 3.0f));
  return fma(j, splat(0.693147180559945f), fma(twice * s2, q, twice));
}

// torch's softplus (beta 1, threshold 20): x > 20 ? x : log1p(e^x), as max(x, 0) + log1p(e^-|x|).
KRAIT_INLINE vf softplusv(vf x) {
  const vf zero{};
  const vf ax = x < zero ? -x : x;
  const vf l = (x > zero ? x : zero) + log1pUnit(expv(-ax));
  return x > splat(20.0f) ? x : l;
}

KRAIT_INLINE vf siluv(vf x) { return x * reciprocal(expv(-x) + 1.0f); }

// In-place transpose of W x W: log2(W) perfect shuffles of the rows.
KRAIT_INLINE void transpose(vf* r) {
#if KRAIT_SCAN_LANES == 16
  const vi lo = {0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23};
  const vi hi = {8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
#elif KRAIT_SCAN_LANES == 8
  const vi lo = {0, 8, 1, 9, 2, 10, 3, 11};
  const vi hi = {4, 12, 5, 13, 6, 14, 7, 15};
#else
  const vi lo = {0, 4, 1, 5};
  const vi hi = {2, 6, 3, 7};
#endif
  for (int stage = 1; stage < W; stage *= 2) {
    vf t[W];
    for (int i = 0; i < W / 2; ++i) {
      t[2 * i] = __builtin_shuffle(r[i], r[i + W / 2], lo);
      t[2 * i + 1] = __builtin_shuffle(r[i], r[i + W / 2], hi);
    }
    for (int i = 0; i < W; ++i) r[i] = t[i];
  }
}

// tile[t * ld + w] = src[w * ws + t * ts] for t < count, w < valid; zero for w in [valid, W).
KRAIT_INLINE void gather(float* tile, int64_t ld, const float* src, int64_t ws, int64_t ts, int valid, int64_t count) {
  int64_t t = 0;
  if (valid == W && ts == 1) {
    for (; t + W <= count; t += W) {
      vf r[W];
      for (int w = 0; w < W; ++w) r[w] = load(src + w * ws + t);
      transpose(r);
      for (int i = 0; i < W; ++i) store(tile + (t + i) * ld, r[i]);
    }
  } else if (valid == W && ws == 1) {
    for (; t < count; ++t) store(tile + t * ld, load(src + t * ts));
  }
  for (; t < count; ++t)
    for (int w = 0; w < W; ++w) tile[t * ld + w] = w < valid ? src[w * ws + t * ts] : 0.0f;
}

// dst[w * ws + t] = tile[t * W + w] for t < count, w < valid (the output: contiguous rows).
KRAIT_INLINE void scatter(float* dst, int64_t ws, const float* tile, int valid, int64_t count) {
  int64_t t = 0;
  if (valid == W) {
    for (; t + W <= count; t += W) {
      vf r[W];
      for (int i = 0; i < W; ++i) r[i] = load(tile + (t + i) * W);
      transpose(r);
      for (int w = 0; w < W; ++w) store(dst + w * ws + t, r[w]);
    }
  }
  for (; t < count; ++t)
    for (int w = 0; w < valid; ++w) dst[w * ws + t] = tile[t * W + w];
}

// B or C of one (batch, group) for tokens [t0, t0 + count) into tile[t * N + n].
void gatherStates(float* tile, const float* src, int64_t ns, int64_t ts, int64_t states, int64_t count) {
  if (ts == 1 && states % W == 0) {
    for (int64_t n = 0; n < states; n += W) gather(tile + n, states, src + n * ns, ns, 1, W, count);
  } else if (ns == 1) {
    for (int64_t t = 0; t < count; ++t) std::memcpy(tile + t * states, src + t * ts, sizeof(float) * states);
  } else {
    for (int64_t t = 0; t < count; ++t)
      for (int64_t n = 0; n < states; ++n) tile[t * states + n] = src[n * ns + t * ts];
  }
}

// Per-token work of one chunk of one channel block, vectorised over channels and independent across tokens
// (kept out of the recurrence so that its long exp/log/div latencies do not stall it):
//   dt[t]: delta -> step size;  x[t]: u -> step * u;  y[t] = D * u;  zt[t]: z -> silu(z).
template <bool Softplus, bool Gate>
void prepareChunk(int64_t count, vf* dt, vf* x, vf* y, vf* zt, vf d, vf bias) {
  for (int64_t t = 0; t < count; ++t) {
    vf step = dt[t] + bias;
    if constexpr (Softplus) step = softplusv(step);
    dt[t] = step;
    y[t] = d * x[t];
    x[t] = step * x[t];
    if constexpr (Gate) zt[t] = siluv(zt[t]);
  }
}

// The recurrence for G consecutive states (from `first`) over one chunk, their states in registers:
//   h[n] = 2^(dt A2[n]) h[n] + (dt u) B[t, n];   y[t] += sum_n C[t, n] h[n].
// bt, ct: the chunk's B and C, token-major with `states` per token.
template <int G>
void scanStates(int64_t count, int64_t states, int64_t first, const float* bt, const float* ct, const vf* a2, vf* h,
                const vf* dt, const vf* du, vf* y) {
  vf hr[G], ar[G];
  for (int n = 0; n < G; ++n) {
    hr[n] = h[first + n];
    ar[n] = a2[first + n];
  }
  bt += first;
  ct += first;
  for (int64_t t = 0; t < count; ++t) {
    const vf step = dt[t], bu = du[t];
    const float* b = bt + t * states;
    const float* c = ct + t * states;
    vf y0 = y[t], y1{};
#pragma GCC unroll 16
    for (int n = 0; n < G; ++n) {
      hr[n] = fma(exp2v(step * ar[n]), hr[n], bu * b[n]);
      if (n % 2 == 0) y0 = fma(splat(c[n]), hr[n], y0);
      else y1 = fma(splat(c[n]), hr[n], y1);
    }
    y[t] = y0 + y1;
  }
  for (int n = 0; n < G; ++n) h[first + n] = hr[n];
}

// One chunk of one channel block: tiles hold delta (dt), u (x) and z (zt) on entry, the output in y on return.
void scanChunk(bool softplus, int64_t count, int64_t states, const float* bt, const float* ct, const vf* a2, vf* h,
               vf* dt, vf* x, vf* y, vf* zt, vf d, vf bias) {
  if (softplus && zt) prepareChunk<true, true>(count, dt, x, y, zt, d, bias);
  else if (softplus) prepareChunk<true, false>(count, dt, x, y, zt, d, bias);
  else if (zt) prepareChunk<false, true>(count, dt, x, y, zt, d, bias);
  else prepareChunk<false, false>(count, dt, x, y, zt, d, bias);
  // Eight states at a time keep states, decay rates and the exp constants within the 16 (AVX2) or 32 (AVX-512)
  // vector registers; y[t] round-trips through L1 once per eight states.
  int64_t n = 0;
  for (; n + 8 <= states; n += 8) scanStates<8>(count, states, n, bt, ct, a2, h, dt, x, y);
  if (states - n >= 4) {
    scanStates<4>(count, states, n, bt, ct, a2, h, dt, x, y);
    n += 4;
  }
  if (states - n >= 2) {
    scanStates<2>(count, states, n, bt, ct, a2, h, dt, x, y);
    n += 2;
  }
  if (states - n >= 1) scanStates<1>(count, states, n, bt, ct, a2, h, dt, x, y);
  if (zt)
    for (int64_t t = 0; t < count; ++t) y[t] *= zt[t];
}

// Per-thread scratch, kept between calls and grown as needed: fresh buffers would cost a page fault per 4 KiB
// on every call (~11 us each on dev-2c, a VM), more than a small scan itself.
// (Not std::vector<vf>: GCC drops the vector type's alignment in template arguments.)
class Scratch {
 public:
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() { std::free(data_); }
  vf* get(int64_t vectors) {
    if (vectors > size_) {
      std::free(data_);
      data_ = nullptr;
      size_ = 0;
      data_ = static_cast<vf*>(std::aligned_alloc(sizeof(vf), sizeof(vf) * static_cast<std::size_t>(vectors)));
      if (!data_) throw std::bad_alloc();
      size_ = vectors;
    }
    return data_;
  }

 private:
  vf* data_ = nullptr;
  int64_t size_ = 0;
};

// Units [begin, end) of ScanArgs: unit = (batch * groups + group) * blocksPerGroup + block.
void run(const ScanArgs& a, int64_t begin, int64_t end) {
  const int64_t states = a.states, blocksPerGroup = (a.perGroup + W - 1) / W;
  // Tiles of kChunk tokens x W lanes (x: u, dt: delta, y: output, zt: z), decay rates, the units' states, and
  // the chunk's B and C (token-major, `states` floats per token).
  const int64_t stateTile = (kChunk * states + W - 1) / W;
  thread_local Scratch scratch;
  vf* const base = scratch.get(4 * kChunk + states + (end - begin) * states + 2 * stateTile);
  vf *const x = base, *const dt = x + kChunk, *const y = dt + kChunk, *const zt = y + kChunk, *const a2 = zt + kChunk;
  vf* const h = a2 + states;
  float* const bt = reinterpret_cast<float*>(h + (end - begin) * states);
  float* const ct = bt + stateTile * W;
  std::memset(static_cast<void*>(h), 0, sizeof(vf) * static_cast<std::size_t>((end - begin) * states));
  for (int64_t t0 = 0; t0 < a.length; t0 += kChunk) {
    const int64_t count = std::min(kChunk, a.length - t0);
    int64_t loaded = -1;  // the (batch, group) whose B and C chunk is in bt, ct
    for (int64_t unit = begin; unit < end; ++unit) {
      const int64_t bg = unit / blocksPerGroup, block = unit % blocksPerGroup;
      const int64_t b = bg / a.groups, g = bg % a.groups;
      if (bg != loaded) {
        const float* bsrc = a.B + b * a.bStride[0] + g / a.bGroupDiv * a.bStride[1] + t0 * a.bStride[3];
        const float* csrc = a.C + b * a.cStride[0] + g / a.cGroupDiv * a.cStride[1] + t0 * a.cStride[3];
        gatherStates(bt, bsrc, a.bStride[2], a.bStride[3], states, count);
        gatherStates(ct, csrc, a.cStride[2], a.cStride[3], states, count);
        loaded = bg;
      }
      const int64_t d0 = g * a.perGroup + block * W;
      const int valid = static_cast<int>(std::min<int64_t>(W, a.perGroup - block * W));
      // Per-lane constants; lanes past the group's end compute zeros that are never stored.
      vf d{}, bias{};
      for (int w = 0; w < valid; ++w) {
        d[w] = a.D ? a.D[d0 + w] : 0.0f;
        bias[w] = a.bias ? a.bias[d0 + w] : 0.0f;
      }
      for (int64_t n = 0; n < states; ++n) {
        vf v{};
        for (int w = 0; w < valid; ++w) v[w] = a.A[(d0 + w) * states + n] * 1.44269504088896341f;
        a2[n] = v;
      }
      const auto origin = [&](const float* p, const int64_t* s) { return p + b * s[0] + d0 * s[1] + t0 * s[2]; };
      gather(reinterpret_cast<float*>(x), W, origin(a.u, a.uStride), a.uStride[1], a.uStride[2], valid, count);
      gather(reinterpret_cast<float*>(dt), W, origin(a.delta, a.deltaStride), a.deltaStride[1], a.deltaStride[2],
             valid, count);
      if (a.z) gather(reinterpret_cast<float*>(zt), W, origin(a.z, a.zStride), a.zStride[1], a.zStride[2], valid, count);
      scanChunk(a.softplus, count, states, bt, ct, a2, h + (unit - begin) * states, dt, x, y, a.z ? zt : nullptr, d,
                bias);
      scatter(a.out + (b * a.channels + d0) * a.length + t0, a.length, reinterpret_cast<const float*>(y), valid, count);
    }
  }
}

#undef KRAIT_INLINE

}  // namespace

#endif  // KRAIT_SCAN_LANES
