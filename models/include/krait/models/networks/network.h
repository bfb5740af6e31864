#pragma once
// What every segmentation network offers the engine: a forward on a (batch, channels, *patch) tensor that
// returns logits at the input's resolution, and the alias keys its official state_dict carries.
#include <torch/nn/module.h>

#include <string>
#include <vector>

#include "krait/models/checkpoint/torch_save.h"

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
  // What training's deep supervision compares with the downsampled labels: every decoder stage's segmentation,
  // highest resolution first (the official decoder with deep_supervision on); forward's output alone for a
  // network without deep supervision.
  virtual std::vector<torch::Tensor> forwardDeepSupervision(const torch::Tensor& x) { return {forward(x)}; }
  virtual std::vector<KeyAlias> keyAliases() const { return {}; }
  // Loads an official state_dict, strictly (load_weights.h); throws Error(Input) naming `source`. Networks
  // that are not LibTorch modules (a plugin's) or refuse layouts of their own override it.
  virtual void loadStateDict(const StateDict& weights, const std::string& source);
  // Moves the network to `device` with its floating-point parameters in `type` (precision.h's policy: the
  // norms' affine parameters and what the official Mamba layers keep fp32 under autocast stay fp32), ready for inference.
  virtual void prepare(const torch::Device& device, torch::ScalarType type);
  // Whether a CUDA graph may replay its forward (graphed_forward.h): true for Krait's own networks, whose
  // forwards neither synchronise with the host nor allocate outside LibTorch's allocator.
  virtual bool graphable() const { return true; }
  const NetworkInfo& info() const { return info_; }
  // Throws std::invalid_argument naming the rule when a tile of this shape (without batch and channels)
  // cannot run through the network.
  void checkTileShape(const std::vector<int64_t>& spatial) const;

 protected:
  NetworkInfo info_;
};

}  // namespace krait::models
