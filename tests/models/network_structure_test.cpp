// Production-size networks built by the factory from plans.json / dataset.json have exactly the state_dict
// keys and shapes the official classes have (dumped by make_network_fixtures.py), aliases included.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <fstream>
#include <map>
#include <sstream>

#include "krait/models/nnunet/trainers.h"
#include "network_support.h"

using namespace krait::models;
using namespace krait::test;

namespace {

using KeyShapes = std::map<std::string, std::vector<int64_t>>;

KeyShapes readKeys(const std::filesystem::path& tsv) {
  std::ifstream in(tsv);
  KeyShapes keys;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key, shape;
    std::getline(fields, key, '\t');
    std::getline(fields, shape, '\t');
    std::vector<int64_t> dims;
    std::istringstream parts(shape);
    for (std::string d; std::getline(parts, d, ',');) dims.push_back(std::stoll(d));
    keys[key] = dims;
  }
  return keys;
}

KeyShapes networkKeys(const Network& net) {
  KeyShapes keys;
  const auto params = net.named_parameters();
  for (const auto& p : params) keys[p.key()] = p.value().sizes().vec();
  for (const auto& a : net.keyAliases()) keys[a.alias] = params[a.canonical].sizes().vec();
  return keys;
}

class ProductionStructure : public ::testing::TestWithParam<std::string> {};

TEST_P(ProductionStructure, KeysAndShapesEqualTheOfficialStateDict) {
  const auto dir = networkFixtures() / "production";
  const std::string name = GetParam();
  std::ifstream summaryFile(dir / "summary.json");
  const auto summary = nlohmann::json::parse(summaryFile).at(name);
  const auto plan = readConfigurationPlan(dir / (name + ".plans.json"), summary.at("configuration").get<std::string>());
  const auto dataset = readDatasetDescription(dir / (name + ".dataset.json"));
  const auto net = buildNetwork(summary.at("trainer_name").get<std::string>(), plan,
                                static_cast<int64_t>(dataset.channelNames.size()), dataset.numSegmentationHeads());
  const KeyShapes want = readKeys(dir / (name + ".keys.tsv"));
  const KeyShapes got = networkKeys(*net);
  for (const auto& [key, shape] : want) {
    const auto it = got.find(key);
    if (it == got.end())
      ADD_FAILURE() << "missing in Krait: " << key;
    else
      EXPECT_EQ(it->second, shape) << key;
  }
  for (const auto& [key, shape] : got) EXPECT_TRUE(want.count(key)) << "not in the official state_dict: " << key;
  int64_t parameters = 0;
  for (const auto& p : net->parameters()) parameters += p.numel();
  EXPECT_EQ(parameters, summary.at("num_parameters").get<int64_t>());
}

INSTANTIATE_TEST_SUITE_P(Official, ProductionStructure,
                         ::testing::Values("umamba_bot_3d", "umamba_enc_3d", "umamba_bot_2d", "umamba_enc_2d",
                                           "lightmunet_3d", "lightmunet_2d", "swin_umamba", "swin_umamba_d"));

}  // namespace
