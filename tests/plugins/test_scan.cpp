// test-scan: a LibTorch plugin that checks the selective scan Krait offers plugins (krait/plugin_scan.hpp, ABI
// 1.1) from the plugin's side of the boundary. Its command `scan-check` runs the host's scan forward and backward
// on random inputs against its own per-timestep LibTorch scan and autograd, and prints the largest differences;
// `scan-check bad` passes a misshapen A and prints the host's refusal. Exit 0 when the results are as expected.
#include <krait/plugin_scan.hpp>
#include <torch/torch.h>

#include <cstdio>

namespace {

const KraitHost* gHost = nullptr;

// mamba_ssm's selective_scan_ref, one step at a time, differentiable by LibTorch; fp64 here, against the host's
// fp32 scan.
at::Tensor referenceScan(const krait::plugin::ScanInputs& in) {
  const at::Tensor dt = torch::nn::functional::softplus(in.delta + in.deltaBias.view({1, -1, 1}));
  at::Tensor h = torch::zeros({in.u.size(0), in.u.size(1), in.A.size(1)}, in.u.options());
  std::vector<at::Tensor> ys;
  for (int64_t t = 0; t < in.u.size(2); ++t) {
    const at::Tensor dtt = dt.select(2, t).unsqueeze(-1);  // (b, d, 1)
    h = torch::exp(dtt * in.A) * h + dtt * in.B.select(2, t).unsqueeze(1) * in.u.select(2, t).unsqueeze(-1);
    ys.push_back((h * in.C.select(2, t).unsqueeze(1)).sum(-1));
  }
  const at::Tensor y = torch::stack(ys, 2) + in.D.view({1, -1, 1}) * in.u;
  return y * torch::silu(in.z);
}

int scanCheck(const std::vector<std::string>& args) {
  torch::manual_seed(3);
  const int64_t b = 2, d = 5, n = 4, l = 70;
  const krait::plugin::ScanInputs values{torch::randn({b, d, l}), 0.5 * torch::randn({b, d, l}), -torch::rand({d, n}) - 0.1,
                                         torch::randn({b, n, l}), torch::randn({b, n, l}), torch::randn({d}),
                                         torch::randn({b, d, l}), 0.1 * torch::randn({d}), true};
  // The same values for the host (fp32) and the reference (fp64), each a leaf of its own graph.
  const auto leaves = [&](torch::ScalarType type) {
    krait::plugin::ScanInputs in = values;
    for (at::Tensor* t : {&in.u, &in.delta, &in.A, &in.B, &in.C, &in.D, &in.z, &in.deltaBias})
      *t = t->to(type).requires_grad_();
    return in;
  };
  krait::plugin::ScanInputs in = leaves(torch::kFloat), ref64 = leaves(torch::kDouble);
  if (args.size() > 1 && args[1] == "bad") {
    in.A = torch::randn({d + 1, n}, torch::kDouble);
    try {
      krait::plugin::selectiveScan(gHost, in);
    } catch (const krait::plugin::Failure& e) {
      std::printf("refused (status %d): %s\n", static_cast<int>(e.status()), e.what());
      return e.status() == KRAIT_ERROR_INPUT ? 0 : 1;
    }
    std::printf("a misshapen A was accepted\n");
    return 1;
  }
  const at::Tensor out = krait::plugin::selectiveScan(gHost, in);
  const at::Tensor ref = referenceScan(ref64);
  const at::Tensor weights = torch::randn_like(ref);
  const auto grads = torch::autograd::grad({(out * weights.to(torch::kFloat)).sum()},
                                           {in.u, in.delta, in.A, in.B, in.C, in.D, in.z, in.deltaBias});
  const auto refGrads = torch::autograd::grad({(ref * weights).sum()}, {ref64.u, ref64.delta, ref64.A, ref64.B, ref64.C,
                                                                       ref64.D, ref64.z, ref64.deltaBias});
  // Largest difference relative to the reference's largest magnitude, for the output and each gradient.
  const auto relative = [](const at::Tensor& x, const at::Tensor& r) {
    return ((x.to(torch::kDouble) - r).abs().max() / r.abs().max()).item<double>();
  };
  double worst = relative(out, ref);
  std::printf("forward %.3g", worst);
  for (size_t i = 0; i < grads.size(); ++i) {
    const double e = relative(grads[i], refGrads[i]);
    std::printf(", grad %zu %.3g", i, e);
    worst = std::max(worst, e);
  }
  std::printf("\n");
  return worst < 1e-5 ? 0 : 1;
}

}  // namespace

KRAIT_PLUGIN("test-scan", "1.0.0", "Checks the selective scan Krait offers plugins") {
  gHost = host.table();
  host.command("scan-check", "Compares the host's selective scan with a plugin-side reference", scanCheck);
}
