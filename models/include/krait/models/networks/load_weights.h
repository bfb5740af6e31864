#pragma once
// Strict loading of an official state_dict into a Krait network: every canonical key must be present with
// the network's shape, alias keys (see Network::keyAliases) must equal their canonical tensor, and nothing
// else may be in the file. Anything wrong is one Error(Input) naming `source` and listing the missing,
// unexpected, mismatched and inconsistent keys.
#include <string>

#include "krait/models/checkpoint/torch_save.h"
#include "krait/models/networks/network.h"

namespace krait::models {

void loadWeights(Network& network, const StateDict& weights, const std::string& source);

}  // namespace krait::models
