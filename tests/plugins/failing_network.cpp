// A network plugin whose forward fails (as a real one may: a kernel error, a lost device): the segmentation
// ends with Krait's error naming the plugin, and nothing is written.
#include <krait/plugin.hpp>

namespace {

class Failing : public krait::plugin::Network {
 public:
  explicit Failing(const krait::plugin::NetworkSpec&) {}
  const char* name() const override { return "FailingNet"; }
  int dims() const override { return 3; }
  void loadWeights(const std::vector<krait::plugin::NamedTensor>& weights) override {
    if (weights.empty()) throw krait::plugin::inputError("no weights");
  }
  void to(DLDevice, DLDataType) override {}
  DLManagedTensor* forward(const DLTensor&) override { throw std::runtime_error("simulated kernel failure"); }
};

}  // namespace

KRAIT_PLUGIN("failing-network", "1", "a network whose forward fails") { host.network<Failing>("nnUNetTrainerMyOwnNet"); }
