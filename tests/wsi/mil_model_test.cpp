// MambaMIL (SRMamba, BiMamba, Mamba mixers) and ABMIL against the official code (isyangshu/MambaMIL at the commit
// in tests/fixtures/wsi/mambamil/manifest.json): its state dicts, saved as its training saves them (an
// OrderedDict), load strictly by key, and the outputs match its CUDA fast path (run on the CPU by
// make_mambamil_fixtures.py) within 1e-4.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "krait/models/ops/selective_scan.h"
#include "mil_model.h"
#include "nifti_reference.h"
#include "test_slide.h"

namespace krait::wsi {
namespace {

const std::string kDir = std::string(KRAIT_FIXTURES) + "/wsi/mambamil/";

torch::Tensor kraitScan(const plugin::ScanInputs& in) {
  models::SelectiveScanInputs s;
  s.u = in.u, s.delta = in.delta, s.A = in.A, s.B = in.B, s.C = in.C, s.D = in.D, s.z = in.z;
  s.deltaBias = in.deltaBias;
  s.deltaSoftplus = in.deltaSoftplus;
  return models::selectiveScan(s);
}

const nlohmann::json& manifest() {
  static const nlohmann::json m = [] {
    std::ifstream in(kDir + "manifest.json");
    return nlohmann::json::parse(in);
  }();
  return m;
}

const nlohmann::json& caseNamed(const std::string& name) {
  for (const auto& c : manifest()["cases"])
    if (c["name"] == name) return c;
  throw std::runtime_error("no case " + name);
}

// The official checkpoint: gunzipped, then read as Krait reads any torch.save state dict (the plugin's host does).
std::map<std::string, torch::Tensor> officialWeights(const std::string& name) {
  const std::vector<char> bytes = krait::test::readMaybeGzipped(kDir + name + ".pt.gz");
  const auto file = std::filesystem::temp_directory_path() / (name + ".pt");
  std::ofstream(file, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  auto weights = test::readStateDict(file.string());
  std::filesystem::remove(file);
  return weights;
}

torch::Tensor rawFloats(const std::string& file, std::vector<int64_t> shape) {
  std::ifstream in(kDir + file, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return torch::from_blob(const_cast<char*>(bytes.data()), shape, torch::kFloat32).clone();
}

MilConfig configOf(const nlohmann::json& c) {
  const nlohmann::json& j = c["config"];
  MilConfig config;
  config.kind = j["type"] == "ABMIL" ? "abmil" : "mambamil";
  if (config.kind == "mambamil") {
    config.mixer = j["type"];
    config.layers = j["layers"];
    config.rate = j["rate"];
  }
  config.inDim = j["in_dim"];
  config.numClasses = j["n_classes"];
  config.activation = j["act"];
  return config;
}

void expectNear(const torch::Tensor& got, const std::vector<double>& want, double tolerance, const char* what) {
  ASSERT_EQ(got.numel(), static_cast<int64_t>(want.size())) << what;
  const auto values = got.to(torch::kDouble).contiguous();
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(values.data_ptr<double>()[i], want[i], tolerance * std::max(1.0, std::abs(want[i]))) << what << "[" << i << "]";
}

class OfficialParity : public ::testing::TestWithParam<std::string> {};

TEST_P(OfficialParity, OutputsMatchTheOfficialFastPath) {
  const nlohmann::json& c = caseNamed(GetParam());
  MilModel model(configOf(c), kraitScan);
  model.loadStateDict(officialWeights(GetParam()));
  const int64_t n = c["n"];
  torch::NoGradGuard noGrad;
  const MilOutput out = model.forward(rawFloats(GetParam() + ".features.f32", {n, configOf(c).inDim}));
  expectNear(out.logits, c["expected"]["logits"].get<std::vector<double>>(), 1e-4, "logits");
  expectNear(out.probabilities, c["expected"]["Y_prob"].get<std::vector<double>>(), 1e-4, "probabilities");
  expectNear(out.attention, c["expected"]["A"].get<std::vector<double>>(), 1e-4, "attention");
}

INSTANTIATE_TEST_SUITE_P(Cases, OfficialParity,
                         ::testing::Values("srmamba_2l_r5_n37", "srmamba_1l_r5_n12", "bimamba_1l_n37", "mamba_1l_n37",
                                           "abmil_n37", "srmamba_1l_r5_n37_smallparams"));

TEST(SrMamba, ReorderIsTheOfficialOne) {
  EXPECT_EQ(srMambaOrder(12, 5), (std::vector<int64_t>{0, 5, 10, 1, 6, 11, 2, 7, 12, 3, 8, 13, 4, 9, 14}));
  EXPECT_EQ(srMambaOrder(37, 5), caseNamed("srmamba_2l_r5_n37")["scan_order"].get<std::vector<int64_t>>());
  EXPECT_EQ(srMambaOrder(10, 5).size(), 10u);  // no pads when the rate divides the bag
}

TEST(SrMamba, TheReorderedBranchIsLive) {
  // Guards against a silent one-direction fallback: the _b parameters must move the output.
  const std::string name = "srmamba_2l_r5_n37";
  MilModel model(configOf(caseNamed(name)), kraitScan);
  auto weights = officialWeights(name);
  model.loadStateDict(weights);
  torch::NoGradGuard noGrad;
  const torch::Tensor features = rawFloats(name + ".features.f32", {37, 32});
  const torch::Tensor before = model.forward(features).logits;
  weights["layers.0.1.x_proj_b.weight"] = weights["layers.0.1.x_proj_b.weight"] * 1.5;
  model.loadStateDict(weights);
  EXPECT_GT((model.forward(features).logits - before).abs().max().item<double>(), 1e-3);
}

TEST(MilModel, StrictLoadingNamesWhatIsWrong) {
  const std::string name = "bimamba_1l_n37";
  MilConfig config = configOf(caseNamed(name));
  auto weights = officialWeights(name);
  config.mixer = "Mamba";  // a BiMamba checkpoint does not fit a Mamba model: its _b keys are unexpected
  MilModel mamba(config, kraitScan);
  try {
    mamba.loadStateDict(weights);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unexpected"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("conv1d_b"), std::string::npos) << e.what();
  }
  config.mixer = "BiMamba";
  config.inDim = 64;
  MilModel wide(config, kraitScan);
  EXPECT_THROW(wide.loadStateDict(weights), std::invalid_argument);  // _fc1.0.weight misshapen
  EXPECT_THROW(MilConfig::fromJson(nlohmann::json{{"kind", "transmil"}, {"in_dim", 4}, {"num_classes", 2}}), std::invalid_argument);
  EXPECT_THROW(wide.forward(torch::zeros({5, 32})), std::invalid_argument);
}

}  // namespace
}  // namespace krait::wsi
