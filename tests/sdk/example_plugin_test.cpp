// The example plugin (plugins/examples/plain_unet), built out of tree against the installed SDK by
// tests/sdk/out_of_tree_plugin.sh, which runs this program with KRAIT_INSTALLED (the prefix) and
// KRAIT_EXAMPLE_PLUGIN (the plugin's build folder) set: its network against the official PlainConvUNet's
// output, its strict loading, and the installed `krait` segmenting a catalogue volume with it as the official
// nnU-Net predictor does (tests/fixtures/plugins/plain_unet, made by the official code).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cstdlib>
#include <fstream>

#include "krait/base/error.h"
#include "krait/engine/plugins.h"
#include "krait/io/volume_io.h"
#include "krait/models/nnunet/network_registry.h"
#include "mask_parity.h"
#include "npy.h"
#include "run_cli.h"
#include "testdata.h"

namespace fs = std::filesystem;
using namespace krait;
using nlohmann::json;

namespace {

const fs::path kCase = fs::path(KRAIT_FIXTURES) / "plugins" / "plain_unet";

fs::path fromEnvironment(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) throw std::runtime_error(std::string(name) + " is not set: run tests/sdk/out_of_tree_plugin.sh");
  return value;
}

// This program's own engine loads the plugin built against the installed SDK.
class ExamplePluginLoaded : public ::testing::Environment {
 public:
  void SetUp() override {
    const std::vector<PluginRecord> records = loadPlugins({fromEnvironment("KRAIT_EXAMPLE_PLUGIN")});
    ASSERT_EQ(records.size(), 1u);
    ASSERT_TRUE(records[0].loaded) << records[0].error;
  }
};
const auto* const environment = ::testing::AddGlobalTestEnvironment(new ExamplePluginLoaded);

json caseJson() {
  std::ifstream in(kCase / "case.json");
  return json::parse(in);
}

models::NetworkRequest request() {
  const models::DatasetDescription dataset = models::readDatasetDescription(kCase / "model" / "dataset.json");
  return {"nnUNetTrainer", "3d_fullres", kCase / "model" / "plans.json", kCase / "model" / "dataset.json", dataset, 1,
          dataset.numSegmentationHeads()};
}

models::StateDict officialWeights() {
  return models::readNnunetCheckpoint(kCase / "model" / "fold_0" / "checkpoint_final.pth").weights;
}

void expectRefused(const models::StateDict& weights, const std::string& mentions) {
  const auto net = models::buildRegisteredNetwork(request());
  try {
    net->loadStateDict(weights, "checkpoint_final.pth");
    FAIL() << "loaded despite: " << mentions;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Input);
    EXPECT_NE(std::string(e.what()).find(mentions), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("plugin plain-unet"), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(ExamplePlugin, ItsNetworkGivesTheOfficialPlainConvUNetsLogits) {
  const models::LoadedNetwork loaded = models::loadNetwork(kCase / "model" / "plans.json", kCase / "model" / "dataset.json",
                                                           kCase / "model" / "fold_0" / "checkpoint_final.pth");
  EXPECT_EQ(loaded.network->info().name, "PlainConvUNet");
  EXPECT_EQ(loaded.network->info().divisor, (std::vector<int64_t>{4, 8, 8}));
  loaded.network->prepare(torch::kCPU, torch::kFloat32);
  const torch::Tensor want = test::readNpy(kCase / "network" / "output.npy");
  const torch::Tensor got = loaded.network->forward(test::readNpy(kCase / "network" / "input.npy"));
  ASSERT_EQ(got.sizes(), want.sizes());
  const double difference = (got - want).abs().max().item<double>(), scale = want.abs().max().item<double>();
  std::cout << "max |difference| " << difference << " of max |logit| " << scale << "\n";
  EXPECT_LE(difference, 1e-4 * scale);
}

TEST(ExamplePlugin, LoadsCheckpointsStrictly) {
  models::StateDict missing = officialWeights();
  missing.erase("decoder.seg_layers.2.bias");
  expectRefused(missing, "1 missing: decoder.seg_layers.2.bias");

  models::StateDict unexpected = officialWeights();
  unexpected["decoder.extra.weight"] = torch::zeros({1});
  expectRefused(unexpected, "1 unexpected: decoder.extra.weight");

  models::StateDict misshapen = officialWeights();
  misshapen["encoder.stages.1.0.convs.0.conv.weight"] = torch::zeros({16, 8, 1, 3, 3});
  expectRefused(misshapen, "encoder.stages.1.0.convs.0.conv.weight (16x8x1x3x3, expected 16x8x3x3x3)");

  // PyTorch lists the encoder twice (decoder.encoder.*): the two must be the same tensor.
  models::StateDict inconsistent = officialWeights();
  inconsistent["decoder.encoder.stages.0.0.convs.0.norm.bias"] = inconsistent["decoder.encoder.stages.0.0.convs.0.norm.bias"] + 1;
  expectRefused(inconsistent, "decoder.encoder.stages.0.0.convs.0.norm.bias (differs from encoder.stages.0.0.convs.0.norm.bias)");
}

TEST(ExamplePlugin, TheInstalledKraitSegmentsWithItAsTheOfficialPredictor) {
  const fs::path krait = fromEnvironment("KRAIT_INSTALLED") / "bin" / "krait";
  setenv("KRAIT_PLUGIN_PATH", fromEnvironment("KRAIT_EXAMPLE_PLUGIN").c_str(), 1);
  auto r = test::runProgram(krait.string(), {"plugins", "list", "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const json plugin = json::parse(r.out).at("plugins").at(0);
  EXPECT_EQ(plugin.at("name"), "plain-unet");
  EXPECT_EQ(plugin.at("provides").at(0), "network nnUNetTrainer");

  const json c = caseJson();
  const test::TempDir d;
  r = test::runProgram(krait.string(), {"segment", "-m", (kCase / "model").string(), "-i",
                                        test::testData(c.at("input").get<std::string>()).string(), "-o",
                                        (d / "mask.nii.gz").string(), "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const json report = json::parse(r.out);
  EXPECT_EQ(report.at("model").at("network"), "PlainConvUNet");
  EXPECT_EQ(report.at("mirror_axes"), json({0, 1, 2}));  // nnU-Net's default: mirroring as the checkpoint allows
  EXPECT_EQ(report.at("grid").at("network"), c.at("preprocessed_shape"));
  test::expectMaskParity(io::readVolume(d / "mask.nii.gz"), io::readVolume(kCase / "expected.nii.gz"),
                         c.at("label_voxel_counts"), "plain_unet");
}

TEST(ExamplePlugin, TheInstalledKraitListsItsBundledModelsFromItsPrefix) {
  const fs::path prefix = fromEnvironment("KRAIT_INSTALLED");
  const test::TempDir d;
  const auto r = test::runProgram((prefix / "bin" / "krait").string(),
                                  {"models", "list", "--json", "--models-dir", (d / "store").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::vector<std::string> names;
  for (const json& m : json::parse(r.out)) {
    names.push_back(m.at("name").get<std::string>());
    EXPECT_TRUE(m.at("bundled").get<bool>());
    // share/krait/models of the installation, not the source tree it was built from.
    EXPECT_EQ(fs::path(m.at("folder").get<std::string>()).parent_path(),
              (prefix / "share" / "krait" / "models").lexically_normal());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"demo-head-ct", "demo-t1-brain"}));
}
