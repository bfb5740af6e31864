// krait/plugin_weights.hpp: strict state-dict loading for plugins' LibTorch modules, as PyTorch's
// load_state_dict(strict=True): exactly the module's parameters and buffers, of their shapes, or an error that names
// the missing, unexpected and misshapen keys — and then nothing is changed. Names are the module's registered ones,
// so a plugin that registers the official code's names loads the official checkpoints by key.
#pragma once

#include <torch/nn/module.h>

#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace krait::plugin {

// "(2x3x4)", for messages.
inline std::string shapeText(c10::IntArrayRef shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "x" : "") + std::to_string(shape[i]);
  return "(" + s + ")";
}

struct StrictLoad {
  // Keys of the module that a state dict may lack (e.g. ".num_batches_tracked", which old torchvision files lack).
  std::function<bool(const std::string& key)> mayBeMissing;
  // Keys of a state dict that are not the module's and are skipped (e.g. the layers after a truncation).
  std::function<bool(const std::string& key)> mayBeExtra;
};

// Copies `stateDict` into `module`'s parameters and buffers (converted to their types). Throws
// std::invalid_argument "<what>; N missing: ...; N misshapen: ...; N unexpected: ..." when it does not fit.
inline void loadStateDictStrict(torch::nn::Module& module, const std::map<std::string, at::Tensor>& stateDict, const std::string& what,
                                const StrictLoad& rules = {}) {
  std::map<std::string, at::Tensor> own;
  for (const auto& p : module.named_parameters()) own[p.key()] = p.value();
  for (const auto& b : module.named_buffers()) own[b.key()] = b.value();
  std::vector<std::string> missing, misshapen, unexpected;
  for (const auto& [key, tensor] : own) {
    const auto it = stateDict.find(key);
    if (it == stateDict.end()) {
      if (!rules.mayBeMissing || !rules.mayBeMissing(key)) missing.push_back(key);
    } else if (!it->second.defined() || it->second.sizes() != tensor.sizes()) {
      misshapen.push_back(key + " " + (it->second.defined() ? shapeText(it->second.sizes()) : "(undefined)") + ", expected " +
                          shapeText(tensor.sizes()));
    }
  }
  for (const auto& entry : stateDict)
    if (!own.count(entry.first) && (!rules.mayBeExtra || !rules.mayBeExtra(entry.first))) unexpected.push_back(entry.first);
  if (missing.empty() && misshapen.empty() && unexpected.empty()) {
    torch::NoGradGuard noGrad;
    for (auto& [key, tensor] : own)
      if (const auto it = stateDict.find(key); it != stateDict.end()) tensor.copy_(it->second.to(tensor.dtype()));
    return;
  }
  std::ostringstream message;
  message << what;
  const auto list = [&](const char* kind, const std::vector<std::string>& keys) {
    if (keys.empty()) return;
    message << "; " << keys.size() << " " << kind << ":";
    for (size_t i = 0; i < keys.size() && i < 6; ++i) message << (i ? ", " : " ") << keys[i];
    if (keys.size() > 6) message << ", ...";
  };
  list("missing", missing);
  list("misshapen", misshapen);
  list("unexpected", unexpected);
  throw std::invalid_argument(message.str());
}

}  // namespace krait::plugin
