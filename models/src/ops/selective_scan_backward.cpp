// The selective scan's backward pass on the CPU, and the autograd op that pairs it with the forward scan.
//
// For one (batch b, channel d) row, with x = delta + bias, dt = softplus(x) (or x), dA_t = exp(dt_t A),
// h_t = dA_t h_{t-1} + dt_t B_t u_t, y_t = C_t . h_t + D u_t, out_t = y_t silu(z_t), and g_t = dL/d(out_t):
//   gy_t = g_t silu(z_t),  gz_t = g_t y_t silu'(z_t),  gD += gy_t u_t,  gu_t = gy_t D + sum_n gh_tn dt_t B_tn,
//   gh_t = gy_t C_t + dA_{t+1} gh_{t+1}        (the state's gradient, swept backwards in time),
//   gC_t += gy_t h_t,  gB_t += gh_t dt_t u_t,  gA += gh_t h_{t-1} dA_t dt_t,
//   gdt_t = sum_n gh_tn (h_{t-1,n} dA_tn A_n + B_tn u_t),  gx_t = gdt_t softplus'(x_t),  gbias += gx_t,
// as mamba_ssm's selective_scan_bwd computes them (softplus' = sigmoid below 20, 1 above, as its kernel).
#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <torch/autograd.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "krait/models/ops/selective_scan.h"
#include "selective_scan_check.h"
#ifdef KRAIT_WITH_CUDA
#include "cuda/selective_scan_tensors.h"
#endif

namespace krait::models {

namespace {

constexpr int64_t kChunk = 64;  // steps between stored states: the recompute's memory/time trade

template <typename T>
struct Operands {
  int64_t batch, channels, length, states, bGroups, cGroups;
  const T *u, *delta, *z, *A, *B, *C, *D, *bias;  // contiguous; z, D, bias null when absent
  bool softplus;
  const T* gout;
  T *gu, *gdelta, *gz;  // (batch, channels, length)
  T *gA, *gD, *gbias;   // per batch: (batch, channels, states), (batch, channels), (batch, channels)
};

template <typename T>
T softplus(T x) {
  return x <= T(20) ? std::log1p(std::exp(x)) : x;
}

template <typename T>
T sigmoid(T x) {
  return T(1) / (T(1) + std::exp(-x));
}

// One row's backward. gB and gC (states, length) are the block's own buffers for this row's B and C groups.
template <typename T>
void backwardRow(const Operands<T>& o, int64_t b, int64_t d, T* gB, T* gC, std::vector<T>& work) {
  const int64_t L = o.length, N = o.states;
  const int64_t row = (b * o.channels + d) * L;
  const T* u = o.u + row;
  const T* x = o.delta + row;
  const T* z = o.z ? o.z + row : nullptr;
  const T* g = o.gout + row;
  const T* B = o.B + (b * o.bGroups + d / (o.channels / o.bGroups)) * N * L;
  const T* C = o.C + (b * o.cGroups + d / (o.channels / o.cGroups)) * N * L;
  const T* A = o.A + d * N;
  const T D = o.D ? o.D[d] : T(0), bias = o.bias ? o.bias[d] : T(0);
  const int64_t chunks = (L + kChunk - 1) / kChunk;
  // work: dt (L), y (L), stored states (chunks x N), the chunk's states ((kChunk + 1) x N), gh (N)
  work.resize(static_cast<size_t>(2 * L + chunks * N + (kChunk + 1) * N + N));
  T* dt = work.data();
  T* y = dt + L;
  T* stored = y + L;
  T* hs = stored + chunks * N;
  T* gh = hs + (kChunk + 1) * N;

  // Forward sweep: dt, y, and the state before every chunk.
  std::fill(gh, gh + N, T(0));
  T* h = gh;  // the running state, until the backward sweep needs gh
  for (int64_t t = 0; t < L; ++t) {
    if (t % kChunk == 0) std::copy(h, h + N, stored + (t / kChunk) * N);
    dt[t] = o.softplus ? softplus(x[t] + bias) : x[t] + bias;
    T acc = D * u[t];
    for (int64_t n = 0; n < N; ++n) {
      h[n] = std::exp(dt[t] * A[n]) * h[n] + dt[t] * B[n * L + t] * u[t];
      acc += C[n * L + t] * h[n];
    }
    y[t] = acc;
  }

  // Backward sweep, chunk by chunk from the end, recomputing each chunk's states from the one stored before it.
  std::fill(gh, gh + N, T(0));
  T gD = 0, gbias = 0;
  T* gA = o.gA + (b * o.channels + d) * N;
  for (int64_t c = chunks - 1; c >= 0; --c) {
    const int64_t first = c * kChunk, last = std::min(L, first + kChunk);
    std::copy(stored + c * N, stored + (c + 1) * N, hs);  // hs[k]: the state after step first + k - 1
    for (int64_t t = first; t < last; ++t) {
      const T* prev = hs + (t - first) * N;
      T* next = hs + (t - first + 1) * N;
      for (int64_t n = 0; n < N; ++n) next[n] = std::exp(dt[t] * A[n]) * prev[n] + dt[t] * B[n * L + t] * u[t];
    }
    for (int64_t t = last - 1; t >= first; --t) {
      const T* prev = hs + (t - first) * N;
      const T* cur = hs + (t - first + 1) * N;
      T gy = g[t];
      if (z) {
        const T s = sigmoid(z[t]);
        gy = g[t] * z[t] * s;
        o.gz[row + t] = g[t] * y[t] * s * (T(1) + z[t] * (T(1) - s));
      }
      gD += gy * u[t];
      T gu = gy * D, gdt = 0;
      for (int64_t n = 0; n < N; ++n) {
        const T ght = gh[n] + gy * C[n * L + t];
        const T dA = std::exp(dt[t] * A[n]);
        gC[n * L + t] += gy * cur[n];
        gB[n * L + t] += ght * dt[t] * u[t];
        gu += ght * dt[t] * B[n * L + t];
        const T gdA = ght * prev[n] * dA;
        gA[n] += gdA * dt[t];
        gdt += gdA * A[n] + ght * B[n * L + t] * u[t];
        gh[n] = ght * dA;
      }
      const T xt = x[t] + bias;
      const T gx = o.softplus && xt <= T(20) ? gdt * sigmoid(xt) : gdt;
      o.gu[row + t] = gu;
      o.gdelta[row + t] = gx;
      gbias += gx;
    }
  }
  o.gD[b * o.channels + d] = gD;
  o.gbias[b * o.channels + d] = gbias;
}

template <typename T>
SelectiveScanGradients backwardCpu(const SelectiveScanInputs& in, const torch::Tensor& gradOut) {
  const auto type = c10::CppTypeToScalarType<T>::value;
  const auto as = [&](const torch::Tensor& t) { return t.defined() ? t.to(type).contiguous() : torch::Tensor(); };
  const auto grouped = [&](const torch::Tensor& t) { return as(t.dim() == 3 ? t.unsqueeze(1) : t); };
  const int64_t batch = in.u.size(0), channels = in.u.size(1), length = in.u.size(2), states = in.A.size(1);
  const torch::Tensor u = as(in.u), delta = as(in.delta), z = as(in.z), A = as(in.A), B = grouped(in.B), C = grouped(in.C),
                      D = as(in.D), bias = as(in.deltaBias), gout = as(gradOut);
  const auto options = u.options();
  torch::Tensor gu = torch::empty_like(u), gdelta = torch::empty_like(u);
  torch::Tensor gz = z.defined() ? torch::empty_like(u) : torch::Tensor();
  torch::Tensor gA = torch::zeros({batch, channels, states}, options);
  torch::Tensor gD = torch::empty({batch, channels}, options), gbias = torch::empty({batch, channels}, options);

  // Work blocks: a batch item and a run of channels sharing one B group and one C group, about as many blocks
  // as threads (each has its own B and C gradient buffers).
  const int64_t bGroups = B.size(1), cGroups = C.size(1), groups = std::lcm(bGroups, cGroups), perGroup = channels / groups;
  const int64_t threads = at::get_num_threads();
  const int64_t splits = std::clamp<int64_t>((threads + batch * groups - 1) / (batch * groups), 1, perGroup);
  const int64_t blockSize = (perGroup + splits - 1) / splits, blocksPerGroup = (perGroup + blockSize - 1) / blockSize;
  const int64_t blocks = batch * groups * blocksPerGroup;
  torch::Tensor gBParts = torch::zeros({blocks, states, length}, options), gCParts = torch::zeros({blocks, states, length}, options);

  Operands<T> o{batch, channels, length, states, bGroups, cGroups, u.data_ptr<T>(), delta.data_ptr<T>(),
                z.defined() ? z.data_ptr<T>() : nullptr, A.data_ptr<T>(), B.data_ptr<T>(), C.data_ptr<T>(),
                D.defined() ? D.data_ptr<T>() : nullptr, bias.defined() ? bias.data_ptr<T>() : nullptr,
                in.deltaSoftplus, gout.data_ptr<T>(), gu.data_ptr<T>(), gdelta.data_ptr<T>(),
                gz.defined() ? gz.data_ptr<T>() : nullptr, gA.data_ptr<T>(), gD.data_ptr<T>(), gbias.data_ptr<T>()};
  at::parallel_for(0, blocks, 1, [&](int64_t begin, int64_t end) {
    std::vector<T> work;
    for (int64_t k = begin; k < end; ++k) {
      const int64_t b = k / (groups * blocksPerGroup), group = k / blocksPerGroup % groups, part = k % blocksPerGroup;
      const int64_t d0 = group * perGroup + part * blockSize, d1 = std::min(d0 + blockSize, (group + 1) * perGroup);
      T* gB = gBParts.data_ptr<T>() + k * states * length;
      T* gC = gCParts.data_ptr<T>() + k * states * length;
      for (int64_t d = d0; d < d1; ++d) backwardRow(o, b, d, gB, gC, work);
    }
  });

  // Each block's B and C gradients into its batch item's B and C group.
  torch::Tensor gB = torch::zeros_like(B), gC = torch::zeros_like(C);
  for (int64_t k = 0; k < blocks; ++k) {
    const int64_t b = k / (groups * blocksPerGroup), group = k / blocksPerGroup % groups;
    gB[b][group / (groups / bGroups)] += gBParts[k];
    gC[b][group / (groups / cGroups)] += gCParts[k];
  }
  return asInputGradients(in, {gu, gdelta, gA.sum(0), gB, gC, gD.sum(0), gz, gbias.sum(0)});
}

// LibTorch 1.13's autograd functions take no undefined tensors: an absent D, z or bias travels as an empty
// placeholder, with a flag saying it is absent.
class SelectiveScanFunction : public torch::autograd::Function<SelectiveScanFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& u, const torch::Tensor& delta,
                               const torch::Tensor& A, const torch::Tensor& B, const torch::Tensor& C, const torch::Tensor& D,
                               const torch::Tensor& z, const torch::Tensor& deltaBias, bool softplus, int64_t present) {
    ctx->save_for_backward({u, delta, A, B, C, D, z, deltaBias});
    ctx->saved_data["softplus"] = softplus;
    ctx->saved_data["present"] = present;
    const SelectiveScanInputs in = inputs({u, delta, A, B, C, D, z, deltaBias}, softplus, present);
    return u.scalar_type() == torch::kFloat64 ? selectiveScanReference(in) : selectiveScan(in);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    const int64_t present = ctx->saved_data["present"].toInt();
    const auto saved = ctx->get_saved_variables();
    const SelectiveScanGradients g = selectiveScanBackward(inputs(saved, ctx->saved_data["softplus"].toBool(), present), grads[0]);
    // Placeholders get a (zero-size) gradient of their own shape.
    const auto grad = [&](const torch::Tensor& t, size_t i) { return t.defined() ? t : torch::zeros_like(saved[i]); };
    return {g.u, g.delta, g.A, g.B, g.C, grad(g.D, 5), grad(g.z, 6), grad(g.deltaBias, 7), torch::Tensor(), torch::Tensor()};
  }

  // Bits of `present`: D, z, deltaBias.
  static int64_t presence(const SelectiveScanInputs& in) {
    return (in.D.defined() ? 1 : 0) | (in.z.defined() ? 2 : 0) | (in.deltaBias.defined() ? 4 : 0);
  }
  static torch::Tensor placeholder(const torch::Tensor& t, const torch::Tensor& like) {
    return t.defined() ? t : torch::empty({0}, like.options());
  }

 private:
  static SelectiveScanInputs inputs(const torch::autograd::variable_list& v, bool softplus, int64_t present) {
    const auto pick = [&](size_t i, int bit) { return present & bit ? v[i] : torch::Tensor(); };
    return {v[0], v[1], v[2], v[3], v[4], pick(5, 1), pick(6, 2), pick(7, 4), softplus, {}};
  }
};

}  // namespace

SelectiveScanGradients asInputGradients(const SelectiveScanInputs& in, const SelectiveScanGradients& computed) {
  const auto back = [](const torch::Tensor& grad, const torch::Tensor& input) {
    return input.defined() ? grad.reshape(input.sizes()).to(input.scalar_type()) : torch::Tensor();
  };
  return {back(computed.u, in.u), back(computed.delta, in.delta), back(computed.A, in.A), back(computed.B, in.B),
          back(computed.C, in.C), back(computed.D, in.D), back(computed.z, in.z), back(computed.deltaBias, in.deltaBias)};
}

SelectiveScanGradients selectiveScanBackward(const SelectiveScanInputs& in, const torch::Tensor& gradOut) {
  checkSelectiveScanInputs(in);
  if (!gradOut.defined() || gradOut.sizes() != in.u.sizes())
    throw std::invalid_argument("selective scan backward: the output's gradient must be shaped like u");
  const torch::NoGradGuard noGrad;
#ifdef KRAIT_WITH_CUDA
  if (in.u.is_cuda()) return selectiveScanBackwardCuda(in, gradOut);
#endif
  if (!in.u.device().is_cpu())
    throw std::invalid_argument("selective scan backward: no kernel for " + in.u.device().str() + " tensors in this build");
  RECORD_USER_SCOPE("krait::selective_scan_backward");
  return in.u.scalar_type() == torch::kFloat64 ? backwardCpu<double>(in, gradOut) : backwardCpu<float>(in, gradOut);
}

torch::Tensor selectiveScanDifferentiable(const SelectiveScanInputs& in) {
  if (in.out.defined()) throw std::invalid_argument("selective scan: a differentiable scan writes no given out tensor");
  checkSelectiveScanInputs(in);
  using F = SelectiveScanFunction;
  return F::apply(in.u, in.delta, in.A, in.B, in.C, F::placeholder(in.D, in.A), F::placeholder(in.z, in.u),
                  F::placeholder(in.deltaBias, in.A), in.deltaSoftplus, F::presence(in));
}

}  // namespace krait::models
