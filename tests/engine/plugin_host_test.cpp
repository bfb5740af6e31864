// The plugin host with real plugins (tests/plugins): every way a bad plugin is skipped while the good ones
// load, what a plugin registered being dropped when its set-up fails, and readers, classifiers, commands and a
// failing network reached through the engine API.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <fstream>

#include "krait/base/error.h"
#include "krait/engine/plugins.h"
#include "krait/engine/segmenter.h"
#include "krait/io/volume_io.h"
#include "krait/models/nnunet/network_registry.h"
#include "krait/pipeline/volume_tensor.h"
#include "npy.h"
#include "testdata.h"

namespace fs = std::filesystem;
using namespace krait;

namespace {

const fs::path kPlugins = KRAIT_TEST_PLUGINS;
const fs::path kFixtures = KRAIT_FIXTURES;

// Every test of this program sees the same plugins: the bad folder first, so that good plugins load after it.
class LoadedPlugins : public ::testing::Environment {
 public:
  void SetUp() override { records = loadPlugins({kPlugins / "bad", kPlugins / "good"}); }
  static std::vector<PluginRecord> records;
};
std::vector<PluginRecord> LoadedPlugins::records;
const auto* const environment = ::testing::AddGlobalTestEnvironment(new LoadedPlugins);

const PluginRecord& record(const std::string& file) {
  for (const PluginRecord& r : LoadedPlugins::records)
    if (r.file.filename() == file) return r;
  throw std::runtime_error("no record for " + file);
}

void expectSkipped(const std::string& file, const std::string& reason) {
  const PluginRecord& r = record(file);
  EXPECT_FALSE(r.loaded) << file;
  EXPECT_NE(r.error.find(reason), std::string::npos) << file << ": " << r.error;
  EXPECT_TRUE(r.provides.empty()) << file;
}

}  // namespace

TEST(PluginHost, SkipsEveryKindOfBadPluginWithItsReason) {
  expectSkipped("bad_abi.so", "built for plugin ABI 2.0; this Krait has 1.2");
  expectSkipped("no_entry_point.so", "not a Krait plugin");
  expectSkipped("failing_set_up.so", "plugin failing-set-up: set-up failed: the licence file is missing");
  expectSkipped("throwing_set_up.so", "threw: cannot find its CUDA kernels");
  expectSkipped("taken_trainer.so", "trainer nnUNetTrainerUMambaBot is already provided by Krait");
  EXPECT_TRUE(record("failing_network.so").loaded) << record("failing_network.so").error;
  const PluginRecord& good = record("test_kinds.so");
  ASSERT_TRUE(good.loaded) << good.error;
  EXPECT_EQ(good.name, "test-kinds");
  EXPECT_EQ(good.provides, (std::vector<std::string>{"classifier voxel-fraction", "classifier peak-amplitude",
                                                     "reader npy", "reader csv-waveform", "command npy-info"}));
}

TEST(PluginHost, WhatAFailedSetUpRegisteredIsDropped) {
  for (const models::TrainerEntry& e : models::registeredTrainers()) {
    EXPECT_NE(e.trainer, "nnUNetTrainerHalfRegistered");
    if (e.trainer == "nnUNetTrainerUMambaBot") {
      EXPECT_EQ(e.provider, "Krait");
    }
    if (e.trainer == "nnUNetTrainerMyOwnNet") {
      EXPECT_NE(e.provider.find("failing_network.so"), std::string::npos);
    }
  }
}

TEST(PluginHost, APluginIsLoadedOnce) {
  const std::vector<PluginRecord> again = loadPlugins({kPlugins / "good"});
  ASSERT_FALSE(again.empty());
  for (const PluginRecord& r : again) {
    EXPECT_FALSE(r.loaded);
    EXPECT_NE(r.error.find("is already loaded from"), std::string::npos) << r.error;
  }
}

TEST(PluginHost, AReaderGivesAVolumeWithItsValues) {
  const test::TempDir d;
  const torch::Tensor values = (torch::arange(4 * 5 * 6) * 7 - 300).to(torch::kInt16).reshape({4, 5, 6});
  test::writeNpy(values, d / "v.npy");
  EXPECT_EQ(pluginReaderFor(d / "v.npy"), "npy");
  EXPECT_EQ(pluginReaderFor(d / "v.npy", DataKind::Waveform), "");
  EXPECT_EQ(pluginReaderFor(d / "v.nii.gz"), "");
  const Data data = readWithPlugin("npy", d / "v.npy");
  ASSERT_EQ(data.kind, DataKind::Volume);
  EXPECT_EQ(data.volume.geometry().size, (std::array<int64_t, 3>{6, 5, 4}));
  ASSERT_EQ(data.volume.pixelType(), PixelType::Int16);
  EXPECT_TRUE(toTensor(data.volume)[0].equal(values));

  std::ofstream(d / "broken.npy") << "\x93NUMPY not really";
  try {
    readWithPlugin("npy", d / "broken.npy");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Input);
    EXPECT_NE(std::string(e.what()).find("broken.npy"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("plugin test-kinds"), std::string::npos) << e.what();
  }
}

TEST(PluginHost, AVolumeClassifierScoresARealScan) {
  const test::TempDir d;
  std::ofstream(d / "model.json") << R"({"threshold": 100})";
  Classifier classifier("voxel-fraction", (d / "model.json").string());
  ASSERT_EQ(classifier.labels().size(), 2u);
  EXPECT_FALSE(classifier.multiLabel());
  const Volume scan = io::readVolume(test::testData("nifti-itk/KmeansTest_T1UCharRaw.nii.gz"));
  const std::vector<float> scores = classifier.classify({DataKind::Volume, "t1", scan, {}});
  const double above = (toTensor(scan).to(torch::kDouble) >= 100).to(torch::kDouble).mean().item<double>();
  ASSERT_EQ(scores.size(), 2u);
  EXPECT_NEAR(scores[0], above, 1e-6);
  EXPECT_NEAR(scores[1], 1.0 - above, 1e-6);
  EXPECT_GT(above, 0.01);

  // Progress that says stop cancels it; data of another kind and bad models are refused with reasons.
  try {
    classifier.classify({DataKind::Volume, "t1", scan, {}}, [](const Progress&) { return false; });
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Cancelled) << e.what();
  }
  try {
    classifier.classify({DataKind::Waveform, "w.csv", {}, {500.0, {"I"}, 1, {0.0f}}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Usage) << e.what();
  }
  try {
    Classifier("voxel-fraction", (d / "missing.json").string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Input);
    EXPECT_NE(std::string(e.what()).find("missing.json"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Classifier("no-such-classifier", "m"), Error);
}

TEST(PluginHost, AWaveformReaderAndClassifier) {
  const test::TempDir d;
  std::ofstream(d / "ecg.csv") << "sampling_rate_hz,500\nI,II\n100,-50\n1500,200\n-300,900\n";
  const Data data = readWithPlugin(pluginReaderFor(d / "ecg.csv", DataKind::Waveform), d / "ecg.csv");
  ASSERT_EQ(data.kind, DataKind::Waveform);
  EXPECT_EQ(data.waveform.samplingRateHz, 500.0);
  EXPECT_EQ(data.waveform.leads, (std::vector<std::string>{"I", "II"}));
  EXPECT_EQ(data.waveform.samples, 3);
  EXPECT_EQ(data.waveform.microvolts, (std::vector<float>{100, 1500, -300, -50, 200, 900}));
  std::ofstream(d / "model.json") << R"({"millivolts": 1.0})";
  Classifier classifier("peak-amplitude", (d / "model.json").string());
  EXPECT_EQ(classifier.classify(data), (std::vector<float>{1.0f, 0.0f}));  // lead I reaches 1 mV, lead II does not
}

TEST(PluginHost, CommandsRunThroughTheHost) {
  const test::TempDir d;
  test::writeNpy(torch::zeros({2, 3, 4}, torch::kInt16), d / "v.npy");
  const auto commands = pluginCommands();
  const auto npyInfo = std::find_if(commands.begin(), commands.end(), [](const auto& c) { return c.name == "npy-info"; });
  ASSERT_NE(npyInfo, commands.end());
  EXPECT_EQ(npyInfo->plugin, "test-kinds");
  testing::internal::CaptureStdout();
  EXPECT_EQ(runPluginCommand("npy-info", {"npy-info", (d / "v.npy").string()}), 0);
  EXPECT_NE(testing::internal::GetCapturedStdout().find("1 x 2 x 3 x 4"), std::string::npos);
  EXPECT_EQ(runPluginCommand("npy-info", {"npy-info"}), 2);
  EXPECT_THROW(runPluginCommand("no-such-command", {"no-such-command"}), Error);
}

// ABI 1.1: a plugin's LibTorch code runs Krait's selective scan, forward and backward (test_scan.cpp compares
// both with its own per-timestep scan), and a misshapen input comes back as the plugin's input error.
TEST(PluginHost, PluginsRunTheHostsSelectiveScanWithItsGradients) {
  testing::internal::CaptureStdout();
  const int good = runPluginCommand("scan-check", {"scan-check"});
  const int bad = runPluginCommand("scan-check", {"scan-check", "bad"});
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(good, 0) << out;
  EXPECT_EQ(bad, 0) << out;
  EXPECT_NE(out.find("refused (status 1): selective scan:"), std::string::npos) << out;
}

TEST(PluginHost, ANetworkThatFailsEndsTheSegmentationWithTheReason) {
  // An official model folder whose checkpoint names the failing plugin's trainer.
  const test::TempDir d;
  const fs::path model = d / "model";
  fs::create_directories(model / "fold_0");
  for (const char* f : {"plans.json", "dataset.json"}) fs::copy_file(kFixtures / "plugins" / "plain_unet" / "model" / f, model / f);
  fs::copy_file(kFixtures / "checkpoints" / "unknown_trainer_checkpoint.pth", model / "fold_0" / "checkpoint_final.pth");
  SegmenterOptions options;
  options.mirroring = false;
  Segmenter segmenter(model.string(), options);
  EXPECT_EQ(segmenter.model().network, "FailingNet");
  try {
    segmenter.segment({io::readVolume(test::testData("nifti-nibabel/anatomical.nii"))});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Internal);
    EXPECT_NE(std::string(e.what()).find("plugin failing-network: FailingNet forward: simulated kernel failure"),
              std::string::npos)
        << e.what();
  }
}
