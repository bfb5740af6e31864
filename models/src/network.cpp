#include "krait/models/network.h"

#include <stdexcept>

namespace krait::models {

namespace {
std::string text(const std::vector<int64_t>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += 'x';
    s += std::to_string(v[i]);
  }
  return s;
}
}  // namespace

void Network::checkTileShape(const std::vector<int64_t>& spatial) const {
  if (spatial.size() != static_cast<size_t>(info_.dims))
    throw std::invalid_argument(info_.name + " takes " + std::to_string(info_.dims) + "D tiles, got " + text(spatial));
  if (!info_.fixedPatch.empty() && spatial != info_.fixedPatch)
    throw std::invalid_argument(info_.name + " has channel-token Mamba layers sized for " + text(info_.fixedPatch) +
                                " tiles; got " + text(spatial));
  for (size_t a = 0; a < spatial.size(); ++a)
    if (spatial[a] <= 0 || spatial[a] % info_.divisor[a] != 0)
      throw std::invalid_argument(info_.name + " needs tile edges divisible by " + text(info_.divisor) + ", got " +
                                  text(spatial));
}

}  // namespace krait::models
