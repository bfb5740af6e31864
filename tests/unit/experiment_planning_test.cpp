// nnU-Net's experiment planning against the official ExperimentPlanner: plans.json of synthetic fingerprints
// (isotropic MR, thick-slice CT, a transposed sagittal series, natural 2D images, images smaller than a patch) and
// the fingerprint's intensity statistics against numpy — written by
// tests/fixtures/training/make_planning_fixtures.py.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>

#include "krait/base/error.h"
#include "krait/training/experiment_planning.h"

using namespace krait;
using nlohmann::json;

namespace {

json fixture(const std::string& name) {
  const auto path = std::filesystem::path(KRAIT_FIXTURES) / "training" / "planning" / name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("missing fixture " + path.string());
  return json::parse(in);
}

// Numbers to 1e-9 relative (and integers stay integers), everything else exactly; objects by key.
void expectSame(const json& ours, const json& want, const std::string& where) {
  if (want.is_number()) {
    ASSERT_TRUE(ours.is_number()) << where << ": " << ours;
    EXPECT_EQ(ours.is_number_integer(), want.is_number_integer()) << where << ": " << ours << " vs " << want;
    EXPECT_NEAR(ours.get<double>(), want.get<double>(), 1e-9 * std::abs(want.get<double>())) << where;
  } else if (want.is_object()) {
    ASSERT_TRUE(ours.is_object()) << where;
    for (const auto& [key, value] : want.items()) {
      ASSERT_TRUE(ours.contains(key)) << where << "." << key << " is missing";
      expectSame(ours[key], value, where + "." + key);
    }
    for (const auto& [key, value] : ours.items()) EXPECT_TRUE(want.contains(key)) << where << "." << key << " is extra";
  } else if (want.is_array()) {
    ASSERT_TRUE(ours.is_array() && ours.size() == want.size()) << where << ": " << ours << " vs " << want;
    for (size_t i = 0; i < want.size(); ++i) expectSame(ours[i], want[i], where + "[" + std::to_string(i) + "]");
  } else {
    EXPECT_EQ(ours, want) << where;
  }
}

class ExperimentPlanning : public ::testing::TestWithParam<std::string> {};

TEST_P(ExperimentPlanning, MatchesTheOfficialPlanner) {
  json want = fixture(GetParam() + "/plans.json");
  const training::DatasetFingerprint fp = training::fingerprintFromJson(fixture(GetParam() + "/fingerprint.json"));
  const training::PlanningRequest request =
      training::planningRequestFromDatasetJson(fixture(GetParam() + "/dataset.json"), want["dataset_name"].get<std::string>());
  const json ours = training::planExperiment(fp, request);
  // the cascade is not planned: 3d_fullres's batch_dice still tells whether nnU-Net made one
  want["configurations"].erase("3d_lowres");
  want["configurations"].erase("3d_cascade_fullres");
  expectSame(ours, want, "plans");
}

INSTANTIATE_TEST_SUITE_P(Official, ExperimentPlanning,
                         ::testing::Values("mr_isotropic", "ct_anisotropic", "sagittal_anisotropic", "natural_2d",
                                           "small_images"));

TEST(ExperimentPlanningSubsets, OnlyTheRequestedConfigurations) {
  const json want = fixture("ct_anisotropic/plans.json");
  training::PlanningRequest request =
      training::planningRequestFromDatasetJson(fixture("ct_anisotropic/dataset.json"), want["dataset_name"].get<std::string>());
  request.configurations = {"3d_fullres"};
  const json ours = training::planExperiment(training::fingerprintFromJson(fixture("ct_anisotropic/fingerprint.json")),
                                             request);
  ASSERT_EQ(ours["configurations"].size(), 1u);
  expectSame(ours["configurations"]["3d_fullres"], want["configurations"]["3d_fullres"], "3d_fullres");
}

// The generator of make_planning_fixtures.py: Knuth's MMIX LCG, top 24 bits / 1024 - 8000 (exact in float32).
std::vector<float> lcgSamples(uint64_t seed, size_t n) {
  std::vector<float> out;
  for (uint64_t state = seed; out.size() < n;) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    out.push_back(static_cast<float>(static_cast<double>(state >> 40) / 1024 - 8000));
  }
  return out;
}

TEST(IntensityStatistics, BitIdenticalToNumpy) {
  for (const json& set : fixture("intensity_statistics.json")) {
    const std::vector<float> samples = set.contains("values") ? set["values"].get<std::vector<float>>()
                                                              : lcgSamples(set["seed"].get<uint64_t>(), set["n"].get<size_t>());
    SCOPED_TRACE(samples.size());
    const training::ChannelIntensities s = training::intensityStatistics(samples);
    const json& want = set["statistics"];
    EXPECT_EQ(s.mean, want["mean"].get<double>());
    EXPECT_EQ(s.median, want["median"].get<double>());
    EXPECT_EQ(s.std, want["std"].get<double>());
    EXPECT_EQ(s.min, want["min"].get<double>());
    EXPECT_EQ(s.max, want["max"].get<double>());
    EXPECT_EQ(s.percentile99_5, want["percentile_99_5"].get<double>());
    EXPECT_EQ(s.percentile00_5, want["percentile_00_5"].get<double>());
  }
}

void expectInputError(const std::function<void()>& f) {
  try {
    f();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Input) << e.what();
  }
}

TEST(ExperimentPlanningErrors, BadInputIsRefused) {
  const training::DatasetFingerprint fp = training::fingerprintFromJson(fixture("small_images/fingerprint.json"));
  const training::PlanningRequest request =
      training::planningRequestFromDatasetJson(fixture("small_images/dataset.json"), "Dataset904_small_images");
  expectInputError([&] { training::planExperiment({}, request); });
  expectInputError([&] { training::intensityStatistics({}); });
  expectInputError([&] { training::intensityStatistics({1.0f, NAN}); });
  expectInputError([&] { training::fingerprintFromJson(json{{"spacings", json::array()}}); });
  expectInputError([&] { training::planningRequestFromDatasetJson(json{{"channel_names", {{"0", "CT"}}}}, "x"); });
  training::DatasetFingerprint zeroSpacing = fp;
  zeroSpacing.spacings[0][1] = 0;
  expectInputError([&] { training::planExperiment(zeroSpacing, request); });
  training::PlanningRequest lowres = request;
  lowres.configurations = {"3d_lowres"};
  expectInputError([&] { training::planExperiment(fp, lowres); });
  training::PlanningRequest moreChannels = request;
  moreChannels.channelNames.push_back("T1");
  expectInputError([&] { training::planExperiment(fp, moreChannels); });
}

}  // namespace
