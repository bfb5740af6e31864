#pragma once
// Shared by the network tests: the fixture folders written by tests/fixtures/networks/make_network_fixtures.py
// (official Python code, random weights) and how each small case's network is built in Krait.
#include <filesystem>
#include <memory>
#include <string>

#include "krait/models/networks/network.h"

namespace krait::test {

std::filesystem::path networkFixtures();

// The Krait network for one small fixture case, weights loaded from its checkpoint_final.pth.
std::shared_ptr<models::Network> loadFixtureNetwork(const std::string& caseName);

// max |got - want| / max |want|
double relativeError(const torch::Tensor& got, const torch::Tensor& want);

}  // namespace krait::test
