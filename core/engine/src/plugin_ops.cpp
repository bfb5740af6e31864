// The operations Krait runs for plugins (krait/plugin.h, ABI 1.1): the selective scan and its backward pass on
// models' CPU and CUDA kernels, so that a plugin's Mamba layers run on the same kernels as Krait's networks.
#include <krait/plugin_torch.hpp>

#include "krait/models/ops/selective_scan.h"
#include "plugin_host.h"

namespace krait::engine {
namespace {

// A borrowed DLTensor as a tensor sharing its memory; undefined for NULL (an absent input).
torch::Tensor borrowed(const DLTensor* tensor) { return tensor ? plugin::borrowTensor(*tensor) : torch::Tensor(); }

models::SelectiveScanInputs inputsOf(const KraitSelectiveScan& s) {
  if (s.struct_size < sizeof(KraitSelectiveScan)) throw std::invalid_argument("selective scan: KraitSelectiveScan.struct_size is too small");
  if (!s.u || !s.delta || !s.A || !s.B || !s.C) throw std::invalid_argument("selective scan: u, delta, A, B and C are required");
  models::SelectiveScanInputs in;
  in.u = borrowed(s.u);
  in.delta = borrowed(s.delta);
  in.A = borrowed(s.A);
  in.B = borrowed(s.B);
  in.C = borrowed(s.C);
  in.D = borrowed(s.D);
  in.z = borrowed(s.z);
  in.deltaBias = borrowed(s.delta_bias);
  in.deltaSoftplus = s.delta_softplus != 0;
  const torch::Device device = in.u.device();
  for (const torch::Tensor* t : {&in.delta, &in.A, &in.B, &in.C, &in.D, &in.z, &in.deltaBias})
    if (t->defined() && t->device() != device)
      throw std::invalid_argument("selective scan: every tensor must be on u's device (" + device.str() + "), one is on " +
                                  t->device().str());
  return in;
}

// Bad shapes and types are the plugin's input error; anything else (out of memory included) as usual. The
// models' messages already begin with "selective scan:".
KraitStatus guarded(KraitError* error, const std::function<void()>& f) {
  KraitError local{};
  KraitError& e = error ? *error : local;
  e.message[0] = '\0';
  try {
    f();
    return KRAIT_OK;
  } catch (const std::invalid_argument& x) {
    std::snprintf(e.message, sizeof e.message, "%s", x.what());
    return KRAIT_ERROR_INPUT;
  } catch (const c10::OutOfMemoryError& x) {
    std::snprintf(e.message, sizeof e.message, "selective scan: out of memory: %s", x.what_without_backtrace());
    return KRAIT_ERROR_RESOURCES;
  } catch (const c10::Error& x) {
    std::snprintf(e.message, sizeof e.message, "%s", x.what_without_backtrace());
    return KRAIT_ERROR_INPUT;
  } catch (const std::exception& x) {
    std::snprintf(e.message, sizeof e.message, "selective scan: %s", x.what());
    return KRAIT_ERROR_INTERNAL;
  }
}

}  // namespace

KraitStatus hostSelectiveScan(void*, const KraitSelectiveScan* scan, DLManagedTensor** out, KraitError* error) {
  return guarded(error, [&] {
    if (!scan || !out) throw std::invalid_argument("selective scan: scan and out are required");
    // Under a plugin's autograd the host op is only the forward: the plugin's own autograd function calls
    // selective_scan_backward, so this must not record a graph of its own.
    torch::NoGradGuard noGrad;
    *out = at::toDLPack(models::selectiveScan(inputsOf(*scan)));
  });
}

KraitStatus hostSelectiveScanBackward(void*, const KraitSelectiveScan* scan, const DLTensor* gradOut,
                                      KraitSelectiveScanGradients* gradients, KraitError* error) {
  return guarded(error, [&] {
    if (!scan || !gradOut || !gradients) throw std::invalid_argument("selective scan: scan, grad_out and gradients are required");
    if (gradients->struct_size < sizeof(KraitSelectiveScanGradients))
      throw std::invalid_argument("selective scan: KraitSelectiveScanGradients.struct_size is too small");
    torch::NoGradGuard noGrad;
    const models::SelectiveScanGradients g = models::selectiveScanBackward(inputsOf(*scan), borrowed(gradOut));
    const auto hand = [](const torch::Tensor& t) { return t.defined() ? at::toDLPack(t) : nullptr; };
    gradients->u = hand(g.u);
    gradients->delta = hand(g.delta);
    gradients->A = hand(g.A);
    gradients->B = hand(g.B);
    gradients->C = hand(g.C);
    gradients->D = hand(g.D);
    gradients->z = hand(g.z);
    gradients->delta_bias = hand(g.deltaBias);
  });
}

}  // namespace krait::engine
