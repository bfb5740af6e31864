#pragma once
// What every segmentation network offers the engine: a forward on a (batch, channels, *patch) tensor that
// returns logits at the input's resolution, and the alias keys its official state_dict carries.
#include <torch/nn/module.h>

#include <string>
#include <vector>

namespace krait::models {

// A state_dict key that holds the same tensor as another key (PyTorch does not de-duplicate modules that
// are registered twice, e.g. U-Mamba's decoder.encoder.*).
struct KeyAlias {
  std::string alias, canonical;
};

struct NetworkInfo {
  std::string name;           // e.g. "UMambaBot"
  int dims = 3;               // spatial dimensions of a tile
  int64_t inputChannels = 0, numClasses = 0;
  // A tile's edge must be a multiple of this per axis; for channel-token U-Mamba_Enc layers the tile must be
  // exactly `fixedPatch`.
  std::vector<int64_t> divisor;
  std::vector<int64_t> fixedPatch;
};

class Network : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  virtual std::vector<KeyAlias> keyAliases() const { return {}; }
  const NetworkInfo& info() const { return info_; }
  // Throws std::invalid_argument naming the rule when a tile of this shape (without batch and channels)
  // cannot run through the network.
  void checkTileShape(const std::vector<int64_t>& spatial) const;

 protected:
  NetworkInfo info_;
};

}  // namespace krait::models
