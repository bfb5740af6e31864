// `krait` with the test plugins (tests/plugins) in KRAIT_PLUGIN_PATH, bad ones first: they are skipped with a
// reason while the good one's command, volume reader and classifiers work through every command; a plugin
// network that fails ends the run with its reason and writes nothing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "krait/io/volume_io.h"
#include "krait/pipeline/volume_tensor.h"
#include "npy.h"
#include "run_cli.h"
#include "testdata.h"

namespace fs = std::filesystem;
using krait::test::runKrait;
using krait::test::testData;
using nlohmann::json;

namespace {

const fs::path kPlugins = KRAIT_TEST_PLUGINS;
const fs::path kFixtures = KRAIT_FIXTURES;

class CliPlugins : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("KRAIT_PLUGIN_PATH", ((kPlugins / "bad").string() + ":" + (kPlugins / "good").string()).c_str(), 1);
  }
  void TearDown() override { unsetenv("KRAIT_PLUGIN_PATH"); }

  // The small catalogue MR volume as an int16 .npy (what the test plugin's reader takes).
  fs::path npyScan() const {
    const krait::Volume v = krait::io::readVolume(testData("nifti-nibabel/anatomical.nii"));
    krait::test::writeNpy(krait::toTensor(v)[0].to(torch::kInt16), dir_ / "scan.npy");
    return dir_ / "scan.npy";
  }

  krait::test::TempDir dir_;
};

}  // namespace

TEST_F(CliPlugins, ListsLoadedAndSkippedPluginsAndSaysSkippedOnesOnEveryRun) {
  auto r = runKrait({"plugins", "list", "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.err, "");  // `plugins list` shows the skipped plugins itself
  const json list = json::parse(r.out);
  std::map<std::string, json> byFile;
  for (const json& p : list.at("plugins")) byFile[fs::path(p.at("file").get<std::string>()).filename().string()] = p;
  EXPECT_TRUE(byFile.at("test_kinds.so").at("loaded").get<bool>());
  EXPECT_TRUE(byFile.at("failing_network.so").at("loaded").get<bool>());
  for (const char* bad : {"bad_abi.so", "no_entry_point.so", "failing_set_up.so", "throwing_set_up.so", "taken_trainer.so"}) {
    EXPECT_FALSE(byFile.at(bad).at("loaded").get<bool>()) << bad;
    EXPECT_FALSE(byFile.at(bad).at("error").get<std::string>().empty()) << bad;
  }
  EXPECT_EQ(list.at("folders")[0], (kPlugins / "bad").string());

  r = runKrait({"info", testData("nifti-nibabel/anatomical.nii").string()});
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_NE(r.err.find("krait: plugin skipped: " + (kPlugins / "bad" / "bad_abi.so").string() + ": built for plugin ABI 2.0"),
            std::string::npos)
      << r.err;
  r = runKrait({"plugins", "info", "test-kinds"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("reader npy"), std::string::npos) << r.out;
  EXPECT_EQ(runKrait({"plugins", "info", "nothing-like-it"}).exitCode, 3);
}

TEST_F(CliPlugins, APluginsCommandIsAKraitCommand) {
  const fs::path npy = npyScan();
  auto r = runKrait({"--help"});
  EXPECT_NE(r.out.find("npy-info"), std::string::npos) << r.out;
  r = runKrait({"npy-info", npy.string()});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("1 x 25 x 41 x 33"), std::string::npos) << r.out;
  EXPECT_EQ(runKrait({"npy-info"}).exitCode, 2);
}

TEST_F(CliPlugins, APluginsVolumeReaderFeedsInfoAndSegment) {
  const fs::path npy = npyScan();
  auto r = runKrait({"info", "--json", npy.string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const json info = json::parse(r.out);
  EXPECT_EQ(info.at("format"), "npy (plugin test-kinds)");
  EXPECT_EQ(info.at("volumes")[0].at("size"), json({33, 41, 25}));

  const fs::path mask = dir_ / "mask.nii.gz";
  r = runKrait({"segment", "-m", (kFixtures / "pipeline" / "t1_2d_on_3d" / "model").string(), "-i", npy.string(), "-o",
                mask.string(), "--disable-tta", "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const krait::Volume labels = krait::io::readVolume(mask);
  EXPECT_EQ(labels.geometry().size, (std::array<int64_t, 3>{33, 41, 25}));
  EXPECT_EQ(labels.geometry().spacing, (krait::Vec3{1.0, 1.0, 1.0}));  // .npy carries no spacing: 1 mm
}

TEST_F(CliPlugins, ClassifyScoresEachInputAndReportsTheBadOnes) {
  std::ofstream(dir_ / "model.json") << R"({"threshold": 100})";
  const fs::path scan = testData("nifti-itk/KmeansTest_T1UCharRaw.nii.gz");
  const auto r = runKrait({"classify", "-c", "voxel-fraction", "--model", (dir_ / "model.json").string(), "--json",
                           scan.string(), (dir_ / "missing.nii.gz").string()});
  EXPECT_EQ(r.exitCode, 3) << r.err;
  std::istringstream lines(r.out);
  std::string first, second;
  std::getline(lines, first);
  std::getline(lines, second);
  const json scored = json::parse(first);
  const double above = (krait::toTensor(krait::io::readVolume(scan)).to(torch::kDouble) >= 100).to(torch::kDouble).mean().item<double>();
  EXPECT_NEAR(scored.at("labels")[0].at("score").get<double>(), above, 1e-6);
  EXPECT_EQ(scored.at("labels")[0].at("present").get<bool>(), above >= 0.5);
  EXPECT_NE(json::parse(second).at("error").get<std::string>().find("missing.nii.gz"), std::string::npos);
  EXPECT_EQ(runKrait({"classify", "-c", "no-such", "--model", "m", scan.string()}).exitCode, 2);
}

TEST_F(CliPlugins, AFailingPluginNetworkEndsTheRunWithItsReasonAndWritesNothing) {
  const fs::path model = dir_ / "model";
  fs::create_directories(model / "fold_0");
  for (const char* f : {"plans.json", "dataset.json"}) fs::copy_file(kFixtures / "plugins" / "plain_unet" / "model" / f, model / f);
  fs::copy_file(kFixtures / "checkpoints" / "unknown_trainer_checkpoint.pth", model / "fold_0" / "checkpoint_final.pth");
  const fs::path out = dir_ / "mask.nii.gz";
  const auto r = runKrait({"segment", "-m", model.string(), "-i", testData("nifti-nibabel/anatomical.nii").string(), "-o",
                           out.string(), "--quiet"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("plugin failing-network: FailingNet forward: simulated kernel failure"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
}
