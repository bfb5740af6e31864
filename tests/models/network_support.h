#pragma once
// Shared by the network tests: the fixture folders written by tests/fixtures/networks/make_network_fixtures.py
// (official Python code, random weights) and how each small case's network is built in Krait.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "krait/models/networks/network.h"

namespace krait::test {

std::filesystem::path networkFixtures();

// The Krait network for one small fixture case, weights loaded from its checkpoint_final.pth.
std::shared_ptr<models::Network> loadFixtureNetwork(const std::string& caseName);

// Trains one step's backward pass through the fixture network on `device` and checks every parameter's and
// the input's gradient of sum(output * w) against the official autograd's (<case>/gradients.pth, written by
// make_gradient_fixtures.py): to 1e-3 of each parameter's largest gradient; below 1e-4 of the network's largest
// (zero in exact arithmetic: a convolution's bias before a norm) Krait's must be as small. Returns the worst
// relative error.
double expectOfficialGradients(const std::string& caseName, const torch::Device& device);
// The cases that have gradients.pth.
std::vector<std::string> gradientFixtureCases();

// max |got - want| / max |want|
double relativeError(const torch::Tensor& got, const torch::Tensor& want);

}  // namespace krait::test
