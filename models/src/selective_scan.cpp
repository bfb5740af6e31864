#include "krait/models/selective_scan.h"

#include <ATen/Parallel.h>
#include <xmmintrin.h>

#include <algorithm>
#include <cmath>
#include <bit>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace krait::models {

namespace {

void check(const SelectiveScanInputs& in) {
  const auto& u = in.u;
  if (u.dim() != 3 || in.delta.sizes() != u.sizes()) throw std::invalid_argument("selective scan: u and delta must be (B, D, L)");
  if (in.A.dim() != 2 || in.A.size(0) != u.size(1)) throw std::invalid_argument("selective scan: A must be (D, N)");
  const int64_t n = in.A.size(1);
  for (const auto* t : {&in.B, &in.C}) {
    const bool plain = t->dim() == 3 && t->size(0) == u.size(0) && t->size(1) == n && t->size(2) == u.size(2);
    const bool grouped = t->dim() == 4 && t->size(0) == u.size(0) && t->size(2) == n && t->size(3) == u.size(2) &&
                         u.size(1) % t->size(1) == 0;
    if (!plain && !grouped) throw std::invalid_argument("selective scan: B and C must be (B, N, L) or (B, G, N, L)");
  }
  if (in.z.defined() && in.z.sizes() != u.sizes()) throw std::invalid_argument("selective scan: z must match u");
}

// (B, N, L) or (B, G, N, L) -> fp32 (B, G, L, N), so that one timestep's states are contiguous.
torch::Tensor tokenMajor(const torch::Tensor& t) {
  torch::Tensor g = t.dim() == 3 ? t.unsqueeze(1) : t;
  return g.to(torch::kFloat32).transpose(2, 3).contiguous();
}

// expf for the state decay, written so that the compiler vectorises the loop over states (libm's expf is a
// call it cannot vectorise): Cephes' range reduction and degree-5 polynomial, within 2 ulp of expf on
// [-87, 88]. The CUDA kernels use the hardware exp2 approximation, which is coarser.
inline float vectorisableExp(float x) {
  x = std::min(std::max(x, -87.0f), 88.0f);
  const float k = std::floor(x * 1.44269504088896341f + 0.5f);
  const float r = x - k * 0.693359375f + k * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  return p * std::bit_cast<float>((static_cast<int32_t>(k) + 127) << 23);
}

// Eight lanes of GCC's portable vector extension: AVX2 registers in the avx2 clone, SSE pairs otherwise.
typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));

// vectorisableExp on eight lanes (same range reduction and polynomial).
__attribute__((always_inline)) inline v8f exp8(v8f x) {
  const v8f lo = v8f{} - 87.0f, hi = v8f{} + 88.0f;
  x = x < lo ? lo : x;
  x = x > hi ? hi : x;
  const v8f t = x * 1.44269504088896341f + 0.5f;
  v8i ki = __builtin_convertvector(t, v8i);  // truncates toward zero; floor below
  v8f k = __builtin_convertvector(ki, v8f);
  const v8i above = k > t;                   // -1 where truncation went up
  ki += above;
  k = __builtin_convertvector(ki, v8f);
  const v8f r = x - k * 0.693359375f + k * 2.12194440e-4f;
  v8f p = v8f{} + 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  v8f scale;
  const v8i bits = (ki + 127) << 23;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

// One (batch, channel) row over the whole sequence, given its final step sizes and gate. States come in
// groups of eight vector lanes when their count allows (16 in every network here); otherwise a plain loop.
// The target_clones wrapper runs the AVX2 build where the CPU has it.
__attribute__((target_clones("avx2", "default"))) void scanRow(const float* x, const float* dt, const float* bt,
                                                               const float* ct, const float* gate, const float* a,
                                                               float* h, float* y, int64_t length, int64_t states,
                                                               float skip) {
  if (states % 8 == 0 && states <= 64) {
    const int64_t lanes = states / 8;
    v8f hv[8], av[8];
    for (int64_t g = 0; g < lanes; ++g) {
      hv[g] = v8f{};
      std::memcpy(&av[g], a + 8 * g, sizeof(v8f));
    }
    for (int64_t t = 0; t < length; ++t) {
      const float step = dt[t], dx = step * x[t];
      v8f acc{};
      for (int64_t g = 0; g < lanes; ++g) {
        v8f bv, cv;
        std::memcpy(&bv, bt + t * states + 8 * g, sizeof bv);
        std::memcpy(&cv, ct + t * states + 8 * g, sizeof cv);
        hv[g] = exp8(av[g] * step) * hv[g] + bv * dx;
        acc += cv * hv[g];
      }
      float sum = 0.f;
      for (int i = 0; i < 8; ++i) sum += acc[i];
      const float v = sum + skip * x[t];
      y[t] = gate ? v * gate[t] : v;
    }
    return;
  }
  for (int64_t n = 0; n < states; ++n) h[n] = 0.f;
  for (int64_t t = 0; t < length; ++t) {
    const float step = dt[t], dx = step * x[t];
    float acc = 0.f;
    for (int64_t n = 0; n < states; ++n) {
      h[n] = vectorisableExp(step * a[n]) * h[n] + dx * bt[t * states + n];
      acc += ct[t * states + n] * h[n];
    }
    const float v = acc + skip * x[t];
    y[t] = gate ? v * gate[t] : v;
  }
}

class FlushDenormals {
 public:
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | 0x8040); }  // FTZ | DAZ
  ~FlushDenormals() { _mm_setcsr(saved_); }
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

 private:
  unsigned int saved_;
};

torch::Tensor scanCpu(const SelectiveScanInputs& in) {
  const int64_t batch = in.u.size(0), channels = in.u.size(1), length = in.u.size(2), states = in.A.size(1);
  const torch::Tensor u = in.u.to(torch::kFloat32).contiguous();
  // Step sizes and gate for the whole tensor first, with LibTorch's vectorised softplus and silu (torch's
  // softplus threshold of 20 included), so the sequential loop holds only the state update.
  torch::Tensor delta = in.delta.to(torch::kFloat32);
  if (in.deltaBias.defined()) delta = delta + in.deltaBias.to(torch::kFloat32).unsqueeze(-1);
  if (in.deltaSoftplus) delta = torch::softplus(delta);
  delta = delta.contiguous();
  const torch::Tensor A = in.A.to(torch::kFloat32).contiguous();
  const torch::Tensor B = tokenMajor(in.B), C = tokenMajor(in.C);
  const torch::Tensor gate = in.z.defined() ? torch::silu(in.z.to(torch::kFloat32)).contiguous() : torch::Tensor();
  const torch::Tensor D = in.D.defined() ? in.D.to(torch::kFloat32).contiguous() : torch::Tensor();
  const int64_t groups = B.size(1), perGroup = channels / groups;
  torch::Tensor out = torch::empty({batch, channels, length}, torch::kFloat32);

  const float* pu = u.data_ptr<float>();
  const float* pdelta = delta.data_ptr<float>();
  const float* pA = A.data_ptr<float>();
  const float* pB = B.data_ptr<float>();
  const float* pC = C.data_ptr<float>();
  const float* pgate = gate.defined() ? gate.data_ptr<float>() : nullptr;
  const float* pD = D.defined() ? D.data_ptr<float>() : nullptr;
  float* pout = out.data_ptr<float>();

  // One (batch, channel) row per task: its state lives in registers/L1 for the whole sequence.
  at::parallel_for(0, batch * channels, 1, [&](int64_t begin, int64_t end) {
    // States decay by exp(dt*A) every step and soon fall below 1e-38, where x86 arithmetic on denormals is
    // ~50x slower; they are flushed to zero, as the official CUDA kernel (built with fast math) does.
    const FlushDenormals flush;
    std::vector<float> h(static_cast<std::size_t>(states));
    for (int64_t row = begin; row < end; ++row) {
      const int64_t b = row / channels, d = row % channels, g = d / perGroup;
      scanRow(pu + row * length, pdelta + row * length, pB + (b * groups + g) * length * states,
              pC + (b * groups + g) * length * states, pgate ? pgate + row * length : nullptr, pA + d * states,
              h.data(), pout + row * length, length, states, pD ? pD[d] : 0.f);
    }
  });
  return out.to(in.u.scalar_type());
}

}  // namespace

torch::Tensor selectiveScan(const SelectiveScanInputs& in) {
  check(in);
  if (!in.u.device().is_cpu()) throw std::invalid_argument("selective scan: no kernel for " + in.u.device().str() + " yet");
  return scanCpu(in);
}

torch::Tensor selectiveScanReference(const SelectiveScanInputs& in) {
  check(in);
  const auto f = [](const torch::Tensor& t) { return t.to(torch::kFloat32); };
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
  torch::Tensor h = torch::zeros({u.size(0), channels, A.size(1)});
  std::vector<torch::Tensor> ys;
  for (int64_t t = 0; t < u.size(2); ++t) {
    h = deltaA.select(2, t) * h + deltaBu.select(2, t);
    ys.push_back((h * C.select(3, t)).sum(-1));
  }
  torch::Tensor out = torch::stack(ys, -1);
  if (in.D.defined()) out = out + u * f(in.D).unsqueeze(-1);
  if (in.z.defined()) out = out * torch::silu(f(in.z));
  return out.to(in.u.scalar_type());
}

}  // namespace krait::models
