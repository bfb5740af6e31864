// krait/plugin_scan.hpp: Mamba's selective scan for plugins written with LibTorch, run by Krait's own CPU and
// CUDA kernels through the host table (ABI 1.1) and differentiable: under autograd its backward pass is Krait's
// too. A plugin keeps the host table from its set-up (Host::table()) and passes it here.
#pragma once

#include <ATen/DLConvertor.h>
#include <torch/autograd.h>

#include <krait/plugin.hpp>

#include <vector>

namespace krait::plugin {

// Shapes as in krait/plugin.h's KraitSelectiveScan; undefined D, z and deltaBias mean absent.
struct ScanInputs {
  at::Tensor u, delta, A, B, C, D, z, deltaBias;
  bool deltaSoftplus = false;
};

namespace detail {

inline void checkHost(const KraitHost* host) {
  if (!host || !KRAIT_HOST_HAS(host, selective_scan) || !KRAIT_HOST_HAS(host, selective_scan_backward))
    throw unsupported("this Krait does not offer the selective scan to plugins (it needs plugin ABI 1.1)");
}

// The inputs as DLPack for one call to the host; the views are released when it goes.
class ScanCall {
 public:
  explicit ScanCall(const ScanInputs& in) {
    abi_.struct_size = sizeof abi_;
    abi_.u = view(in.u);
    abi_.delta = view(in.delta);
    abi_.A = view(in.A);
    abi_.B = view(in.B);
    abi_.C = view(in.C);
    abi_.D = view(in.D);
    abi_.z = view(in.z);
    abi_.delta_bias = view(in.deltaBias);
    abi_.delta_softplus = in.deltaSoftplus ? 1 : 0;
  }
  ScanCall(const ScanCall&) = delete;
  ScanCall& operator=(const ScanCall&) = delete;
  ~ScanCall() {
    for (DLManagedTensor* m : held_) m->deleter(m);
  }
  const KraitSelectiveScan* abi() const { return &abi_; }
  const DLTensor* view(const at::Tensor& t) {
    if (!t.defined()) return nullptr;
    held_.push_back(at::toDLPack(t.detach()));
    return &held_.back()->dl_tensor;
  }

 private:
  KraitSelectiveScan abi_{};
  std::vector<DLManagedTensor*> held_;
};

inline void check(KraitStatus status, const KraitError& error) {
  if (status != KRAIT_OK) throw Failure(status, error.message);
}

// A tensor Krait handed over (NULL: undefined); at::fromDLPack calls its deleter when the tensor goes.
inline at::Tensor takeOver(DLManagedTensor* managed) { return managed ? at::fromDLPack(managed) : at::Tensor(); }

struct HostScan : torch::autograd::Function<HostScan> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, int64_t host, const at::Tensor& u,
                            const at::Tensor& delta, const at::Tensor& A, const at::Tensor& B, const at::Tensor& C,
                            const at::Tensor& D, const at::Tensor& z, const at::Tensor& deltaBias, bool softplus) {
    ctx->saved_data["host"] = host;
    ctx->saved_data["softplus"] = softplus;
    ctx->save_for_backward({u, delta, A, B, C, D, z, deltaBias});
    const auto* table = reinterpret_cast<const KraitHost*>(host);
    ScanCall call({u, delta, A, B, C, D, z, deltaBias, softplus});
    DLManagedTensor* out = nullptr;
    KraitError error{};
    check(table->selective_scan(table->context, call.abi(), &out, &error), error);
    return takeOver(out);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list gradOut) {
    const auto* table = reinterpret_cast<const KraitHost*>(ctx->saved_data["host"].toInt());
    const auto s = ctx->get_saved_variables();
    ScanCall call({s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], ctx->saved_data["softplus"].toBool()});
    const at::Tensor grad = gradOut[0].contiguous();
    KraitSelectiveScanGradients g{};
    g.struct_size = sizeof g;
    KraitError error{};
    check(table->selective_scan_backward(table->context, call.abi(), call.view(grad), &g, &error), error);
    return {at::Tensor(), takeOver(g.u), takeOver(g.delta), takeOver(g.A), takeOver(g.B), takeOver(g.C),
            takeOver(g.D), takeOver(g.z), takeOver(g.delta_bias), at::Tensor()};
  }
};

}  // namespace detail

// out (batch, channels, length) in u's type on u's device; differentiable where autograd records.
inline at::Tensor selectiveScan(const KraitHost* host, const ScanInputs& in) {
  detail::checkHost(host);
  return detail::HostScan::apply(reinterpret_cast<int64_t>(host), in.u, in.delta, in.A, in.B, in.C, in.D, in.z,
                                 in.deltaBias, in.deltaSoftplus);
}

}  // namespace krait::plugin
