// The operations Krait runs for plugins (krait/plugin.h): the selective scan and its backward pass on models' CPU
// and CUDA kernels (ABI 1.1), so that a plugin's Mamba layers run on the same kernels as Krait's networks, and the
// weights-file reader of models' checkpoint code (ABI 1.2).
#include <krait/plugin_torch.hpp>

#include "krait/base/error.h"
#include "krait/models/checkpoint/safetensors.h"
#include "krait/models/checkpoint/torch_save.h"
#include "krait/models/ops/selective_scan.h"
#include "plugin_host.h"

namespace krait::engine {
namespace {

// A weights file's tensors: safetensors by extension, else a torch.save archive whose pickle is a state dict or a
// checkpoint dict holding one.
models::StateDict readWeightsFile(const std::string& path) {
  if (std::filesystem::path(path).extension() == ".safetensors") return models::readSafetensors(path);
  models::PyRef root = models::readTorchSave(path);
  for (const char* key : {"state_dict", "model", "network_weights"})
    if (const models::PyRef inner = root->get(key); inner && inner->is<models::PyDict>()) {
      root = inner;
      break;
    }
  if (!root->is<models::PyDict>()) throw inputError(path, "holds a " + root->describe() + ", not a state dict of tensors");
  models::StateDict tensors;
  for (const auto& [key, value] : root->as<models::PyDict>().items) {
    if (!key->is<std::string>() || !value->is<torch::Tensor>())
      throw inputError(path, "holds a " + value->describe() + " where a state dict has a named tensor");
    tensors[key->as<std::string>()] = value->as<torch::Tensor>();
  }
  return tensors;
}

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

// Bad shapes, types and files are the plugin's input error; anything else (out of memory included) as usual,
// prefixed with the operation (the models' scan messages already begin with "selective scan:").
KraitStatus guarded(KraitError* error, const char* operation, const std::function<void()>& f) {
  KraitError local{};
  KraitError& e = error ? *error : local;
  e.message[0] = '\0';
  try {
    f();
    return KRAIT_OK;
  } catch (const std::invalid_argument& x) {
    std::snprintf(e.message, sizeof e.message, "%s", x.what());
    return KRAIT_ERROR_INPUT;
  } catch (const Error& x) {
    std::snprintf(e.message, sizeof e.message, "%s", x.what());
    return x.kind() == ErrorKind::Input ? KRAIT_ERROR_INPUT : KRAIT_ERROR_INTERNAL;
  } catch (const c10::OutOfMemoryError& x) {
    std::snprintf(e.message, sizeof e.message, "%s: out of memory: %s", operation, x.what_without_backtrace());
    return KRAIT_ERROR_RESOURCES;
  } catch (const c10::Error& x) {
    std::snprintf(e.message, sizeof e.message, "%s", x.what_without_backtrace());
    return KRAIT_ERROR_INPUT;
  } catch (const std::exception& x) {
    std::snprintf(e.message, sizeof e.message, "%s: %s", operation, x.what());
    return KRAIT_ERROR_INTERNAL;
  }
}

}  // namespace

KraitStatus hostSelectiveScan(void*, const KraitSelectiveScan* scan, DLManagedTensor** out, KraitError* error) {
  return guarded(error, "selective scan", [&] {
    if (!scan || !out) throw std::invalid_argument("selective scan: scan and out are required");
    // Under a plugin's autograd the host op is only the forward: the plugin's own autograd function calls
    // selective_scan_backward, so this must not record a graph of its own.
    torch::NoGradGuard noGrad;
    *out = at::toDLPack(models::selectiveScan(inputsOf(*scan)));
  });
}

KraitStatus hostSelectiveScanBackward(void*, const KraitSelectiveScan* scan, const DLTensor* gradOut,
                                      KraitSelectiveScanGradients* gradients, KraitError* error) {
  return guarded(error, "selective scan", [&] {
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

KraitStatus hostReadTensors(void*, const char* path, void* user,
                            void (*visit)(void* user, const char* name, const DLTensor* tensor), KraitError* error) {
  return guarded(error, "read_tensors", [&] {
    if (!path || !visit) throw std::invalid_argument("read_tensors: path and visit are required");
    const models::StateDict tensors = readWeightsFile(path);
    for (const auto& [name, tensor] : tensors) {
      // DLPack 0.6 has no bool; compact CPU memory for the borrowed view.
      const torch::Tensor compact = (tensor.scalar_type() == torch::kBool ? tensor.to(torch::kUInt8) : tensor).contiguous();
      DLManagedTensor* view = at::toDLPack(compact);
      visit(user, name.c_str(), &view->dl_tensor);
      view->deleter(view);
    }
  });
}

}  // namespace krait::engine
