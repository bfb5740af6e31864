// Strict weight loading, the trainer/plans factory and its refusals.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <fstream>

#include "krait/base/error.h"
#include "krait/models/nnunet/nnunet_checkpoint.h"
#include "krait/models/networks/load_weights.h"
#include "krait/models/nnunet/trainers.h"
#include "network_support.h"
#include "npy.h"
#include "testdata.h"

using namespace krait;
using namespace krait::models;
using namespace krait::test;

namespace {

std::filesystem::path caseFile(const std::string& name, const std::string& file) {
  return networkFixtures() / name / file;
}

std::shared_ptr<Network> umambaBot3d(int64_t classes) {
  const auto plan = readConfigurationPlan(caseFile("umamba_bot_3d", "plans.json"), "3d_fullres");
  return buildNetwork("nnUNetTrainerUMambaBot", plan, 1, classes);
}

StateDict weightsOf(const std::string& name) { return readNnunetCheckpoint(caseFile(name, "checkpoint_final.pth")).weights; }

std::string loadError(Network& net, const StateDict& weights) {
  try {
    loadWeights(net, weights, "model.pth");
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Input);
    return e.what();
  }
  return "";
}

TEST(LoadWeights, AnotherNetworksCheckpointListsMissingAndUnexpectedKeys) {
  const auto net = umambaBot3d(3);
  const std::string error = loadError(*net, weightsOf("lightmunet_3d"));
  EXPECT_NE(error.find("model.pth: weights do not fit UMambaBot"), std::string::npos) << error;
  EXPECT_NE(error.find("missing ("), std::string::npos) << error;
  EXPECT_NE(error.find("encoder.stem.0.conv1.weight (4, 1, 1, 3, 3)"), std::string::npos) << error;
  EXPECT_NE(error.find("unexpected ("), std::string::npos) << error;
  EXPECT_NE(error.find("convInit.0.conv.weight"), std::string::npos) << error;
}

TEST(LoadWeights, WrongClassCountIsAShapeMismatch) {
  const auto net = umambaBot3d(5);
  const std::string error = loadError(*net, weightsOf("umamba_bot_3d"));
  EXPECT_NE(error.find("shape mismatch (6)"), std::string::npos) << error;
  EXPECT_NE(error.find("decoder.seg_layers.0.weight: file (3, 16, 1, 1, 1), network (5, 16, 1, 1, 1)"),
            std::string::npos)
      << error;
  EXPECT_EQ(error.find("missing"), std::string::npos) << error;
}

TEST(LoadWeights, AnAliasThatDisagreesWithItsCanonicalKeyIsRefused) {
  auto weights = weightsOf("umamba_bot_3d");
  ASSERT_TRUE(weights.count("decoder.encoder.stem.0.conv1.weight"));
  weights["decoder.encoder.stem.0.conv1.weight"] = weights["decoder.encoder.stem.0.conv1.weight"] + 1;
  const auto net = umambaBot3d(3);
  const std::string error = loadError(*net, weights);
  EXPECT_NE(error.find("decoder.encoder.stem.0.conv1.weight differs from encoder.stem.0.conv1.weight"),
            std::string::npos)
      << error;
}

TEST(LoadWeights, FilesWithoutAliasesOrWithOnlyAliasesLoadTheSameNetwork) {
  const auto full = weightsOf("umamba_bot_3d");
  StateDict canonicalOnly, aliasesPreferred;
  for (const auto& [key, value] : full) {
    if (key.rfind("decoder.encoder.", 0) != 0 && key.find(".all_modules.") == std::string::npos)
      canonicalOnly[key] = value;
    // Drop encoder keys whose alias under decoder.encoder is present.
    if (!(key.rfind("encoder.", 0) == 0 && full.count("decoder." + key))) aliasesPreferred[key] = value;
  }
  ASSERT_LT(canonicalOnly.size(), full.size());
  const torch::Tensor input = readNpy(caseFile("umamba_bot_3d", "input.npy"));
  std::vector<torch::Tensor> outputs;
  for (const StateDict* weights : std::vector<const StateDict*>{&full, &canonicalOnly, &aliasesPreferred}) {
    auto net = umambaBot3d(3);
    loadWeights(*net, *weights, "model.pth");
    net->eval();
    c10::InferenceMode guard;
    outputs.push_back(net->forward(input));
  }
  EXPECT_TRUE(torch::equal(outputs[0], outputs[1]));
  EXPECT_TRUE(torch::equal(outputs[0], outputs[2]));
}

TEST(NetworkFactory, RefusesTheFirstUMambaLayout) {
  const auto dir = networkFixtures() / "umamba_bot_3d_legacy";
  try {
    loadNetwork(dir / "plans.json", dir / "dataset.json", dir / "checkpoint_final.pth");
    FAIL() << "a pre-2024-03-27 U-Mamba checkpoint loaded";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("checkpoint_final.pth: U-Mamba checkpoint in the layout of its first release"),
              std::string::npos)
        << message;
  }
}

TEST(NetworkFactory, UnknownTrainerNamesTheKnownOnes) {
  const auto plan = readConfigurationPlan(caseFile("umamba_bot_3d", "plans.json"), "3d_fullres");
  try {
    buildNetwork("nnUNetTrainerMedNeXt", plan, 1, 3);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown trainer 'nnUNetTrainerMedNeXt'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("nnUNetTrainerLightMUNet"), std::string::npos);
  }
}

TEST(NetworkFactory, SwinUMambaIsTwoDimensionalOnly) {
  const auto plan = readConfigurationPlan(caseFile("umamba_bot_3d", "plans.json"), "3d_fullres");
  for (const char* trainer : {"nnUNetTrainerSwinUMamba", "nnUNetTrainerSwinUMambaDScratch"}) {
    try {
      buildNetwork(trainer, plan, 1, 3);
      FAIL() << trainer;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("2D only"), std::string::npos) << e.what();
    }
  }
}

TEST(NetworkFactory, TileShapesFollowStridesAndChannelTokens) {
  const auto bot = umambaBot3d(3);
  EXPECT_NO_THROW(bot->checkTileShape({8, 32, 32}));
  EXPECT_NO_THROW(bot->checkTileShape({16, 64, 48}));
  EXPECT_THROW(bot->checkTileShape({8, 36, 32}), std::invalid_argument);
  EXPECT_THROW(bot->checkTileShape({32, 32}), std::invalid_argument);
  // U-Mamba_Enc's last stage is a channel-token layer sized for the plans' 8x32x32 patch.
  const auto enc = loadFixtureNetwork("umamba_enc_3d");
  EXPECT_NO_THROW(enc->checkTileShape({8, 32, 32}));
  EXPECT_THROW(enc->checkTileShape({16, 64, 64}), std::invalid_argument);
}

TEST(Plans, FlatAndArchitectureLayoutsDescribeTheSameNetwork) {
  // umamba_enc_3d's plans use nnU-Net >= 2.4's architecture.arch_kwargs, umamba_bot_3d's the 2.1.1 fields.
  const auto flat = readConfigurationPlan(caseFile("umamba_bot_3d", "plans.json"), "3d_fullres");
  const auto arch = readConfigurationPlan(caseFile("umamba_enc_3d", "plans.json"), "3d_fullres");
  EXPECT_EQ(flat.features, (std::vector<int64_t>{4, 8, 16, 32}));
  EXPECT_EQ(arch.features, flat.features);
  EXPECT_EQ(arch.kernels, flat.kernels);
  EXPECT_EQ(arch.strides, flat.strides);
  EXPECT_EQ(arch.blocksEncoder, flat.blocksEncoder);
  EXPECT_EQ(arch.patchSize, flat.patchSize);
}

TEST(Plans, InheritedConfigurationsAndBadFiles) {
  TempDir tmp;
  std::ifstream in(caseFile("umamba_bot_3d", "plans.json"));
  auto plans = nlohmann::json::parse(in);
  plans["configurations"]["3d_big"] = {{"inherits_from", "3d_fullres"}, {"patch_size", {16, 64, 64}}};
  std::ofstream(tmp / "plans.json") << plans.dump();
  const auto big = readConfigurationPlan(tmp / "plans.json", "3d_big");
  EXPECT_EQ(big.patchSize, (std::vector<int64_t>{16, 64, 64}));
  EXPECT_EQ(big.features, (std::vector<int64_t>{4, 8, 16, 32}));
  try {
    readConfigurationPlan(tmp / "plans.json", "3d_lowres");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no configuration '3d_lowres' (has: 2d, 3d_big, 3d_fullres)"), std::string::npos) << e.what();
  }
  std::ofstream(tmp / "broken.json") << "{\"configurations\": ";
  EXPECT_THROW(readConfigurationPlan(tmp / "broken.json", "3d_fullres"), Error);
}

TEST(Plans, SegmentationHeadsForLabelsAndRegions) {
  TempDir tmp;
  std::ofstream(tmp / "labels.json")
      << R"({"channel_names": {"0": "CT"}, "labels": {"background": 0, "liver": 1, "tumour": 2, "ignore": 3}})";
  EXPECT_EQ(readDatasetDescription(tmp / "labels.json").numSegmentationHeads(), 3);
  std::ofstream(tmp / "regions.json") << R"({"channel_names": {"0": "T1", "1": "T2"},
      "labels": {"background": 0, "whole": [1, 2, 3], "core": [2, 3], "enhancing": 3}, "regions_class_order": [1, 2, 3]})";
  const auto regions = readDatasetDescription(tmp / "regions.json");
  EXPECT_TRUE(regions.regions);
  EXPECT_EQ(regions.numSegmentationHeads(), 3);
  EXPECT_EQ(regions.channelNames, (std::vector<std::string>{"T1", "T2"}));
}

}  // namespace
