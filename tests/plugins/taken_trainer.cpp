// A plugin that claims a trainer Krait already runs (U-Mamba_Bot's): the registration is refused, so its
// set-up fails and Krait keeps its own network.
#include <krait/plugin.hpp>

namespace {

class Impostor : public krait::plugin::Network {
 public:
  explicit Impostor(const krait::plugin::NetworkSpec&) {}
  const char* name() const override { return "Impostor"; }
  int dims() const override { return 3; }
  void loadWeights(const std::vector<krait::plugin::NamedTensor>&) override {}
  void to(DLDevice, DLDataType) override {}
  DLManagedTensor* forward(const DLTensor&) override { throw krait::plugin::unsupported("never runs"); }
};

}  // namespace

KRAIT_PLUGIN("taken-trainer", "1", "claims nnUNetTrainerUMambaBot") { host.network<Impostor>("nnUNetTrainerUMambaBot"); }
