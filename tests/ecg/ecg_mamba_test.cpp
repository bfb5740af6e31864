// The ECG-Mamba network against its PyTorch reference (tests/fixtures/ecg/ecg_mamba_reference.py; fixtures from
// make_ecg_mamba_fixtures.py) and its strict loader, with Krait's selective scan (what the host gives the plugin).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include "ecg_mamba.h"
#include "error_of.h"
#include "krait_scan.h"
#include "record.h"

namespace krait::ecg {
namespace {

const std::string kDir = std::string(KRAIT_FIXTURES) + "/ecg/ecg_mamba_small/";

nlohmann::json modelJson() {
  std::ifstream file(kDir + "model.json");
  return nlohmann::json::parse(file);
}

std::map<std::string, torch::Tensor> weights() { return readStateDictFile(kDir + "state_dict.pt"); }

// The small model with the fixture's weights, its input and the reference logits.
struct Fixture {
  EcgMamba model{EcgMambaConfig::fromJson(modelJson().at("architecture")), kraitScan};
  std::map<std::string, torch::Tensor> io = readStateDictFile(kDir + "io.pt");
  Fixture() { model.loadStateDict(weights()); }
  const torch::Tensor& input() { return io.at("input"); }
  const torch::Tensor& logits() { return io.at("logits"); }
};

// Largest difference relative to the largest reference value.
double relativeError(const torch::Tensor& actual, const torch::Tensor& expected) {
  return ((actual.to(torch::kFloat64) - expected.to(torch::kFloat64)).abs().max() / expected.abs().max()).item<double>();
}

using krait::test::errorOf;

int64_t parameterCount(torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

TEST(EcgMamba, LogitsMatchTheReference) {
  torch::NoGradGuard noGrad;
  Fixture f;
  const torch::Tensor out = f.model.forward(f.input());
  ASSERT_EQ(out.sizes(), f.logits().sizes());
  EXPECT_LE(relativeError(out, f.logits()), 1e-4);
  EXPECT_EQ(parameterCount(f.model), modelJson().at("parameters").get<int64_t>());
  EXPECT_EQ(f.model.config().tokens(), modelJson().at("tokens").get<int64_t>());
}

TEST(EcgMamba, FullSizeParameterCountIsTheReferences) {
  const nlohmann::json full = modelJson().at("full_size");
  EcgMamba model(EcgMambaConfig::fromJson(full.at("architecture")), kraitScan);
  EXPECT_EQ(model.config().tokens(), 729);
  EXPECT_EQ(parameterCount(model), full.at("parameters").get<int64_t>());
}

// Vim's slow path never touches the backward parameters (plugins.md 1.1): here they must matter.
TEST(EcgMamba, BackwardBranchIsLive) {
  Fixture f;
  auto sd = weights();
  sd["layers.0.mixer.x_proj_b.weight"] = torch::zeros_like(sd["layers.0.mixer.x_proj_b.weight"]);
  f.model.loadStateDict(sd);
  EXPECT_GT(relativeError(f.model.forward(f.input()), f.logits()), 1e-2);
}

TEST(EcgMamba, StrictLoadingNamesTheKeysAndChangesNothing) {
  Fixture f;
  auto missing = weights();
  missing.erase("layers.1.mixer.A_b_log");
  missing["cls_token"] = missing["cls_token"] * 2;  // must not be loaded either
  EXPECT_NE(errorOf<std::invalid_argument>([&] { f.model.loadStateDict(missing); }).find("1 missing: layers.1.mixer.A_b_log"),
            std::string::npos);
  EXPECT_LE(relativeError(f.model.forward(f.input()), f.logits()), 1e-4);

  auto extra = weights();
  extra["layers.0.mixer.in_proj.bias"] = torch::zeros({128});
  EXPECT_NE(errorOf<std::invalid_argument>([&] { f.model.loadStateDict(extra); }).find("1 unexpected: layers.0.mixer.in_proj.bias"),
            std::string::npos);

  auto misshapen = weights();
  misshapen["pos_embed"] = misshapen["pos_embed"].narrow(1, 0, 100);
  EXPECT_NE(errorOf<std::invalid_argument>([&] { f.model.loadStateDict(misshapen); })
                .find("1 misshapen: pos_embed (1x100x32), expected (1x133x32)"),
            std::string::npos);
}

TEST(EcgMamba, FileErrorsNameTheFileAndTheCure) {
  EcgMamba model(EcgMambaConfig::fromJson(modelJson().at("architecture")), kraitScan);
  const std::string absent = kDir + "absent.pt";
  EXPECT_NE(errorOf<FileError>([&] { model.loadStateDictFile(absent); }).find(absent), std::string::npos);
  // torch.save(model.state_dict()) as it is: an OrderedDict, which LibTorch 1.13 reads as None.
  const std::string ordered = kDir + "ordered_dict.pt";
  const std::string message = errorOf<FileError>([&] { model.loadStateDictFile(ordered); });
  EXPECT_NE(message.find(ordered), std::string::npos);
  EXPECT_NE(message.find("torch.save({k: v.detach().cpu().contiguous()"), std::string::npos);
  // A readable file of the wrong model: the loader's error, with the file's name.
  const std::string io = kDir + "io.pt";
  EXPECT_NE(errorOf<FileError>([&] { model.loadStateDictFile(io); }).find(io + ": the state dict does not fit"),
            std::string::npos);
}

TEST(EcgMamba, ConfigErrorsNameTheKey) {
  nlohmann::json a = modelJson().at("architecture");
  a.erase("d_state");
  EXPECT_NE(errorOf<std::invalid_argument>([&] { EcgMambaConfig::fromJson(a); }).find("'d_state'"), std::string::npos);
  a = modelJson().at("architecture");
  a["input_length"] = 2048;
  EXPECT_NE(errorOf<std::invalid_argument>([&] { EcgMambaConfig::fromJson(a); }).find("pos_embed_length must be 218"),
            std::string::npos);
  a = modelJson().at("architecture");
  a["bimamba_type"] = "v1";
  EXPECT_NE(errorOf<std::invalid_argument>([&] { EcgMambaConfig::fromJson(a); }).find("bimamba_type 'v1'"),
            std::string::npos);
}

}  // namespace
}  // namespace krait::ecg
