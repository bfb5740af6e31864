#include "krait/models/networks/load_weights.h"

#include <torch/torch.h>

#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "krait/base/error.h"

namespace krait::models {

namespace {

std::string shapeText(torch::IntArrayRef shape) {
  std::ostringstream out;
  out << "(";
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << (shape.size() == 1 ? ",)" : ")");
  return out.str();
}

void listSection(std::ostringstream& out, const char* title, const std::vector<std::string>& items) {
  if (items.empty()) return;
  constexpr size_t kShown = 12;
  out << "\n  " << title << " (" << items.size() << "):";
  for (size_t i = 0; i < items.size() && i < kShown; ++i) out << "\n    " << items[i];
  if (items.size() > kShown) out << "\n    ... and " << items.size() - kShown << " more";
}

}  // namespace

void loadWeights(Network& network, const StateDict& weights, const std::string& source) {
  auto params = network.named_parameters();
  std::unordered_map<std::string, std::vector<std::string>> aliasesOf;
  std::unordered_set<std::string> aliasKeys;
  for (const auto& a : network.keyAliases()) {
    aliasesOf[a.canonical].push_back(a.alias);
    aliasKeys.insert(a.alias);
  }

  std::vector<std::string> missing, unexpected, mismatched, inconsistent;
  std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;  // (network parameter, file tensor)
  for (const auto& p : params) {
    // The canonical key, or else one of its aliases (a file may have been written without duplicates).
    std::vector<std::string> names{p.key()};
    const auto& aliases = aliasesOf[p.key()];
    names.insert(names.end(), aliases.begin(), aliases.end());
    const torch::Tensor* found = nullptr;
    std::string foundName;
    for (const auto& name : names) {
      const auto it = weights.find(name);
      if (it == weights.end()) continue;
      if (!found) {
        found = &it->second;
        foundName = name;
      } else if (it->second.sizes() != found->sizes() ||
                 !torch::equal(it->second.to(torch::kFloat32), found->to(torch::kFloat32))) {
        inconsistent.push_back(name + " differs from " + foundName);
      }
    }
    if (!found)
      missing.push_back(p.key() + " " + shapeText(p.value().sizes()));
    else if (found->sizes() != p.value().sizes())
      mismatched.push_back(foundName + ": file " + shapeText(found->sizes()) + ", network " +
                           shapeText(p.value().sizes()));
    else
      copies.emplace_back(p.value(), *found);
  }
  for (const auto& [key, tensor] : weights)
    if (!params.contains(key) && !aliasKeys.count(key)) unexpected.push_back(key + " " + shapeText(tensor.sizes()));

  if (!missing.empty() || !unexpected.empty() || !mismatched.empty() || !inconsistent.empty()) {
    std::ostringstream out;
    out << "weights do not fit " << network.info().name << " (" << network.info().inputChannels << " input channels, "
        << network.info().numClasses << " classes)";
    listSection(out, "missing", missing);
    listSection(out, "unexpected", unexpected);
    listSection(out, "shape mismatch", mismatched);
    listSection(out, "alias differs from its canonical key", inconsistent);
    throw inputError(source, out.str());
  }
  torch::NoGradGuard noGrad;
  for (auto& [parameter, value] : copies) parameter.copy_(value.to(parameter.scalar_type()));
}

}  // namespace krait::models
