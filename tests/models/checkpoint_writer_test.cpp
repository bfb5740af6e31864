// Checkpoints Krait writes for training: read back by Krait's own loader into a network that gives the same
// output, and loaded by PyTorch itself (Debian's python3-torch, as nnU-Net loads them) with the official
// checkpoint's keys, shapes, dtypes and values.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "krait/base/error.h"
#include "krait/models/nnunet/checkpoint_writer.h"
#include "krait/models/nnunet/nnunet_checkpoint.h"
#include "network_support.h"
#include "npy.h"
#include "run_program.h"
#include "testdata.h"

using namespace krait::test;
using namespace krait::models;
namespace fs = std::filesystem;

namespace {

// The fixture network's checkpoint as Krait's training would write it.
CheckpointInfo infoFor(const fs::path& dir) {
  const auto caseJson = nlohmann::json::parse(fileBytes(dir / "case.json"));
  CheckpointInfo info;
  info.trainerName = caseJson.at("trainer_name").get<std::string>();
  info.configuration = caseJson.at("configuration").get<std::string>();
  info.fold = "0";
  info.plansJson = fileBytes(dir / "plans.json");
  info.datasetJson = fileBytes(dir / "dataset.json");
  info.mirroringAxes = readNnunetCheckpoint(dir / "checkpoint_final.pth").mirroringAxes;
  info.epoch = 3;
  info.log.trainLosses = {0.9, 0.7, 0.6};
  return info;
}

class CheckpointWriter : public ::testing::TestWithParam<std::string> {};

TEST_P(CheckpointWriter, KraitReadsItBackIntoTheSameNetwork) {
  const fs::path dir = networkFixtures() / GetParam();
  const TempDir out;
  const auto net = loadFixtureNetwork(GetParam());
  const CheckpointInfo info = infoFor(dir);
  writeNnunetCheckpoint(out / "checkpoint_final.pth", *net, info);

  const NnunetCheckpoint written = readNnunetCheckpoint(out / "checkpoint_final.pth");
  const NnunetCheckpoint official = readNnunetCheckpoint(dir / "checkpoint_final.pth");
  EXPECT_EQ(written.trainerName, info.trainerName);
  EXPECT_EQ(written.configuration, info.configuration);
  EXPECT_EQ(written.mirroringAxes, official.mirroringAxes);
  ASSERT_EQ(written.weights.size(), official.weights.size());
  for (const auto& [key, tensor] : official.weights) {
    ASSERT_TRUE(written.weights.count(key)) << key;
    EXPECT_TRUE(written.weights.at(key).equal(tensor)) << key;
  }
  const torch::Tensor input = readNpy(dir / "input.npy");
  c10::InferenceMode guard;
  const torch::Tensor before = net->forward(input);
  net->loadStateDict(written.weights, (out / "checkpoint_final.pth").string());  // strict
  EXPECT_TRUE(net->forward(input).equal(before));
  // Written atomically: nothing but the checkpoint is left beside it.
  EXPECT_EQ(std::distance(fs::directory_iterator(out.path()), fs::directory_iterator()), 1);
}

TEST_P(CheckpointWriter, PyTorchLoadsItAsTheOfficialCheckpoint) {
  const fs::path dir = networkFixtures() / GetParam();
  const TempDir out;
  const CheckpointInfo info = infoFor(dir);
  writeNnunetCheckpoint(out / "krait.pth", *loadFixtureNetwork(GetParam()), info);
  const CliResult r = runProgram("/usr/bin/python3", {(fs::path(KRAIT_TEST_SOURCE) / "models" / "load_krait_checkpoint.py").string(),
                                                    (out / "krait.pth").string(), (dir / "checkpoint_final.pth").string(),
                                                    info.trainerName, info.configuration});
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(" keys, 0 problems"), std::string::npos) << r.out << r.err;
}

INSTANTIATE_TEST_SUITE_P(Official, CheckpointWriter, ::testing::Values("umamba_bot_3d", "lightmunet_2d", "swin_umamba"));

TEST(CheckpointWriterErrors, AMissingFolderIsAnOutputError) {
  const auto net = loadFixtureNetwork("umamba_bot_2d");
  const CheckpointInfo info = infoFor(networkFixtures() / "umamba_bot_2d");
  try {
    writeNnunetCheckpoint("/nonexistent/folder/checkpoint.pth", *net, info);
    FAIL() << "no error";
  } catch (const krait::Error& e) {
    EXPECT_EQ(e.kind(), krait::ErrorKind::Output);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/folder"), std::string::npos) << e.what();
  }
}

}  // namespace
