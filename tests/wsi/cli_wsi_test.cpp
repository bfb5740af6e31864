// `krait wsi` through the real plugin (the wsi.so this build made, found through KRAIT_PLUGIN_PATH), on the recipe
// slide built from the catalogue's real histology: info, CLAM's patch grid, MobileNetV2 features, classification
// with the bundled demonstration model, the heatmap and its exports; the official MambaMIL checkpoint through the
// host's weights reader; a CLAM feature file classified as it is; and one broken slide among good ones.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "clam_h5.h"
#include "nifti_reference.h"
#include "run_cli.h"
#include "slide.h"
#include "test_slide.h"
#include "testdata.h"

namespace fs = std::filesystem;
using krait::test::runKrait;
using nlohmann::json;

namespace krait::wsi {
namespace {

const fs::path kFixtures = KRAIT_FIXTURES;
const std::string kDemoModel = KRAIT_WSI_DEMO_MODEL;

std::string encoder() { return krait::test::testData("models/nsfwjs-mobilenet_v2-tfjs/model.json").string(); }

json readJson(const fs::path& file) {
  std::ifstream in(file);
  return json::parse(in);
}

class CliWsi : public ::testing::Test {
 protected:
  void SetUp() override { setenv("KRAIT_PLUGIN_PATH", KRAIT_WSI_PLUGIN_DIR, 1); }
  void TearDown() override { unsetenv("KRAIT_PLUGIN_PATH"); }
  krait::test::TempDir dir_;
};

TEST_F(CliWsi, InfoShowsTheLevelsAndThePixelSize) {
  const auto r = runKrait({"wsi", "info", "--json", test::recipeSlide()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["levels"].size(), 4u);
  EXPECT_NEAR(j["mpp"][0].get<double>(), 0.5, 1e-9);
  EXPECT_EQ(j["mpp_source"], "tiff-resolution");
}

TEST_F(CliWsi, SegmentsPatchesEmbedsClassifiesAndDrawsTheHeatmap) {
  const std::string slide = test::recipeSlide(), out = (dir_ / "out").string();
  auto r = runKrait({"wsi", "patch", "-o", out, "--target-mpp", "0.5", "--patch-size", "256", "--a-t", "0.1", "--a-h", "0.016", slide});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  // CLAM's own grid for the same slide and parameters (at 0.5 µm/px a 256-px patch is CLAM's level-0 patch).
  const PatchFile patches = readPatchFile(out + "/patches/test_slide.h5");
  std::vector<std::vector<int64_t>> coords;
  for (const auto& c : patches.coords) coords.push_back({c[0], c[1]});
  EXPECT_EQ(coords, readJson(kFixtures / "wsi/clam/coords_default.json")["coords"].get<std::vector<std::vector<int64_t>>>());
  EXPECT_TRUE(fs::exists(out + "/test_slide/tissue.geojson"));

  r = runKrait({"wsi", "features", "-o", out, "--encoder", encoder(), "--encoder-kind", "tfjs-mobilenet-v2", "--threads", "2", slide});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const FeatureFile features = readFeatureFile(out + "/h5_files/test_slide.h5");
  EXPECT_EQ(features.count, 16);
  EXPECT_EQ(features.dim, 1280);
  EXPECT_TRUE(fs::exists(out + "/pt_files/test_slide.pt"));
  r = runKrait({"wsi", "features", "-o", out, "--encoder", encoder(), "--encoder-kind", "tfjs-mobilenet-v2", "--resume", slide});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("skipped (--resume)"), std::string::npos) << r.out;

  r = runKrait({"wsi", "classify", "-o", out, "--model", kDemoModel, slide});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const json scores = readJson(out + "/test_slide/scores.json");
  EXPECT_EQ(scores["predicted"], "tissue") << scores["probabilities"];  // every patch of this slide is tissue
  const auto attention = scores["attention"].get<std::vector<double>>();
  ASSERT_EQ(attention.size(), 16u);
  double sum = 0;
  for (const double a : attention) sum += a;
  EXPECT_NEAR(sum, 1, 1e-5);
  EXPECT_TRUE(fs::exists(out + "/test_slide/patches.geojson"));
  EXPECT_TRUE(fs::exists(out + "/test_slide/scores.csv"));

  r = runKrait({"wsi", "heatmap", "-o", out, "--tiff", "--top-k", "3", slide});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const Slide heatmap(out + "/test_slide/heatmap.tif");
  EXPECT_EQ(heatmap.mppSource(), MppSource::TiffResolution);
  EXPECT_GT(heatmap.mppX(), 0.5);  // drawn at a coarser level than the slide's
  EXPECT_TRUE(fs::exists(out + "/test_slide/heatmap.png"));
  int topk = 0;
  for (const auto& e : fs::directory_iterator(out + "/test_slide/topk")) topk += e.path().extension() == ".png";
  EXPECT_EQ(topk, 3);
}

TEST_F(CliWsi, RunsTheOfficialMambaMilCheckpointThroughTheHostsReader) {
  // An OrderedDict state dict as MambaMIL's training saves it, read by Krait for the plugin (plugin ABI 1.2).
  const fs::path model = dir_ / "model";
  fs::create_directories(model);
  const std::vector<char> weights = krait::test::readMaybeGzipped(kFixtures / "wsi/mambamil/srmamba_2l_r5_n37.pt.gz");
  std::ofstream(model / "weights.pt", std::ios::binary).write(weights.data(), static_cast<std::streamsize>(weights.size()));
  std::ofstream(model / "model.json") << json{
      {"name", "official-fixture"}, {"version", "1"}, {"intended_use", "tests"}, {"classes", {"a", "b", "c"}},
      {"aggregator", {{"kind", "mambamil"}, {"mixer", "SRMamba"}, {"in_dim", 32}, {"num_classes", 3}, {"layers", 2}, {"rate", 5}}},
      {"encoder", {{"kind", "torchscript"}, {"path", "none.pt"}, {"input_size", 224}, {"mean", {0, 0, 0}}, {"std", {1, 1, 1}}, {"out_dim", 32}}},
      {"patching", {{"target_mpp", 0.5}, {"patch_size", 256}, {"overlap", 0}, {"contour_check", "four_pt"}, {"segmentation_preset", "default"}}},
      {"weights", "weights.pt"}};
  std::ifstream in(kFixtures / "wsi/mambamil/srmamba_2l_r5_n37.features.f32", std::ios::binary);
  FeatureFile bag;
  bag.count = 37, bag.dim = 32;
  bag.features.resize(37 * 32);
  in.read(reinterpret_cast<char*>(bag.features.data()), static_cast<std::streamsize>(bag.features.size() * sizeof(float)));
  for (int64_t i = 0; i < 37; ++i) bag.coords.push_back({i * 256, 0});
  const std::string bagFile = (dir_ / "bag.h5").string();
  writeFeatureFile(bagFile, bag);

  const auto r = runKrait({"wsi", "classify", "-o", (dir_ / "out").string(), "--model", model.string(), bagFile});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const json scores = readJson(dir_ / "out/bag/scores.json");
  const json expected = readJson(kFixtures / "wsi/mambamil/manifest.json")["cases"][0]["expected"];
  const auto probabilities = expected["Y_prob"].get<std::vector<double>>();
  EXPECT_NEAR(scores["probabilities"]["a"].get<double>(), probabilities[0], 1e-4);
  EXPECT_NEAR(scores["probabilities"]["b"].get<double>(), probabilities[1], 1e-4);
  EXPECT_NEAR(scores["probabilities"]["c"].get<double>(), probabilities[2], 1e-4);

  // A weights file the host cannot read is the model's input error, naming the file.
  std::ofstream(model / "weights.pt", std::ios::binary) << "PK not really a zip";
  const auto bad = runKrait({"wsi", "classify", "-o", (dir_ / "out2").string(), "--model", model.string(), bagFile});
  EXPECT_EQ(bad.exitCode, 3);
  EXPECT_NE(bad.err.find((model / "weights.pt").string()), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(dir_ / "out2/bag/scores.json"));
}

TEST_F(CliWsi, TrainsOnClamsOwnFeatureFileAndClassifiesItAsItIs) {
  // CLAM's h5_files/<slide>.h5 (written by CLAM's save_hdf5) is a bag for training and for classification.
  const fs::path bags = dir_ / "bags";
  fs::create_directories(bags);
  fs::copy_file(kFixtures / "wsi/clam/features_default.h5", bags / "a.h5");
  fs::copy_file(kFixtures / "wsi/clam/features_default.h5", bags / "b.h5");
  std::ofstream(dir_ / "labels.csv") << "slide_id,label\na,x\nb,y\n";
  std::ofstream(dir_ / "encoder.json") << R"({"kind": "resnet50-trunc", "path": "resnet.pt", "input_size": 224,
    "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "out_dim": 1024})";
  auto r = runKrait({"wsi", "train", "-o", (dir_ / "model").string(), "--bags", bags.string(), "--labels", (dir_ / "labels.csv").string(),
                     "--encoder-spec", (dir_ / "encoder.json").string(), "--classes", "x,y", "--aggregator", "abmil", "--epochs", "2"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("epoch 2: train loss"), std::string::npos) << r.out;
  r = runKrait({"wsi", "classify", "-o", (dir_ / "out").string(), "--model", (dir_ / "model").string(),
                (kFixtures / "wsi/clam/features_default.h5").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(readJson(dir_ / "out/features_default/scores.json")["attention"].size(), 16u);
  // The demonstration model takes MobileNetV2's 1280 features, not CLAM's ResNet 1024: a clear error.
  r = runKrait({"wsi", "classify", "-o", (dir_ / "out2").string(), "--model", kDemoModel, (kFixtures / "wsi/clam/features_default.h5").string()});
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_NE(r.err.find("1024 features per patch"), std::string::npos) << r.err;
}

TEST_F(CliWsi, OneBrokenSlideIsReportedAndTheOthersGoOn) {
  const fs::path broken = dir_ / "broken.svs";
  std::ofstream(broken) << "not a slide";
  const auto r = runKrait({"wsi", "patch", "-o", (dir_ / "out").string(), "--a-t", "0.1", broken.string(), test::recipeSlide()});
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_NE(r.err.find("broken.svs: not a whole-slide image"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(dir_ / "out/patches/test_slide.h5"));
  EXPECT_FALSE(fs::exists(dir_ / "out/patches/broken.h5"));
  // Each slide's report says how its stage went.
  const json failed = readJson(dir_ / "out/broken/report.json"), good = readJson(dir_ / "out/test_slide/report.json");
  EXPECT_EQ(failed["patch"]["status"], "failed");
  EXPECT_NE(failed["patch"]["error"].get<std::string>().find("not a whole-slide image"), std::string::npos);
  EXPECT_EQ(good["patch"]["status"], "ok");
}

TEST_F(CliWsi, BadArgumentsAreUsageErrors) {
  EXPECT_EQ(runKrait({"wsi", "patch", "-o", dir_.path().string(), "--frobnicate", test::recipeSlide()}).exitCode, 2);
  EXPECT_EQ(runKrait({"wsi", "patch", "-o", dir_.path().string(), "--preset", "nope", test::recipeSlide()}).exitCode, 2);
  EXPECT_EQ(runKrait({"wsi", "heatmap", "-o", dir_.path().string(), "--cmap", "rainbow", test::recipeSlide()}).exitCode, 2);
  EXPECT_EQ(runKrait({"wsi", "patch", "-o", dir_.path().string(), "--patch-level", "0", "--target-mpp", "1", test::recipeSlide()}).exitCode, 2);
  EXPECT_EQ(runKrait({"wsi", "nope"}).exitCode, 2);
}

}  // namespace
}  // namespace krait::wsi
