#include "krait/models/networks/network.h"

#include <stdexcept>

#include "krait/base/size_text.h"
#include "krait/models/networks/load_weights.h"
#include "krait/models/networks/precision.h"

namespace krait::models {

void Network::loadStateDict(const StateDict& weights, const std::string& source) { loadWeights(*this, weights, source); }

void Network::prepare(const torch::Device& device, torch::ScalarType type) {
  to(device);
  convertNetwork(*this, type);
}

void Network::checkTileShape(const std::vector<int64_t>& spatial) const {
  if (spatial.size() != static_cast<size_t>(info_.dims))
    throw std::invalid_argument(info_.name + " takes " + std::to_string(info_.dims) + "D tiles, got " + sizeText(spatial));
  if (!info_.fixedPatch.empty() && spatial != info_.fixedPatch)
    throw std::invalid_argument(info_.name + " has channel-token Mamba layers sized for " + sizeText(info_.fixedPatch) +
                                " tiles; got " + sizeText(spatial));
  for (size_t a = 0; a < spatial.size(); ++a)
    if (spatial[a] <= 0 || spatial[a] % info_.divisor[a] != 0)
      throw std::invalid_argument(info_.name + " needs tile edges divisible by " + sizeText(info_.divisor) + ", got " +
                                  sizeText(spatial));
}

}  // namespace krait::models
