// `krait ecg` through the real plugin (the ecg.so this build made, found through KRAIT_PLUGIN_PATH) on the
// catalogue's real 12-lead DICOM ECG: info, classify with the small fixture model (random weights: only the
// plumbing and the heart rate mean something), convert to WFDB and back, evaluate against the official
// evaluation's numbers, the classifier through `krait classify`, and Krait without the plugin.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_cli.h"
#include "testdata.h"

namespace fs = std::filesystem;
using krait::test::runKrait;
using nlohmann::json;

namespace {

const fs::path kFixtures = KRAIT_FIXTURES;
const std::string kModel = (kFixtures / "ecg" / "small_model").string();

std::string ecgFile() { return krait::test::testData("ecg/waveform_ecg.dcm").string(); }

class CliEcg : public ::testing::Test {
 protected:
  void SetUp() override { setenv("KRAIT_PLUGIN_PATH", KRAIT_ECG_PLUGIN_DIR, 1); }
  void TearDown() override { unsetenv("KRAIT_PLUGIN_PATH"); }
  krait::test::TempDir dir_;
};

}  // namespace

TEST_F(CliEcg, InfoShowsTheRecordAndTheDevicesMeasurements) {
  const auto r = runKrait({"ecg", "info", ecgFile()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("12 leads, 1000 Hz, 10.00 s"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("measured RR interval: 982 ms"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("RITMO SINUSALE"), std::string::npos) << r.out;
}

TEST_F(CliEcg, ClassifiesTheRealRecordingAndWritesItsResults) {
  const auto r = runKrait({"ecg", "classify", "--model", kModel, "--json", "--out", (dir_ / "out").string(), ecgFile()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j.at("classes").size(), 26u);
  for (const json& c : j.at("classes")) {
    const double p = c.at("probability").get<double>();
    EXPECT_TRUE(p >= 0 && p <= 1) << c;
    EXPECT_EQ(c.at("present").get<bool>(), p >= c.at("threshold").get<double>());
  }
  // The device measured RR 982 ms: 61.1 /min.
  EXPECT_NEAR(j.at("heart_rate").at("beats_per_minute").get<double>(), 61.1, 1.0);
  EXPECT_EQ(j.at("notes").at(0), "resampled from 1000 Hz to 500 Hz");
  EXPECT_TRUE(fs::exists(dir_ / "out" / "waveform_ecg.json"));
  std::ifstream csv(dir_ / "out" / "waveform_ecg.csv");
  std::string first;
  std::getline(csv, first);
  EXPECT_EQ(first, "#waveform_ecg");
}

TEST_F(CliEcg, ABadFileDoesNotStopTheOthers) {
  std::ofstream(dir_ / "broken.hea") << "broken 12 500\n";
  const auto r = runKrait({"ecg", "classify", "--model", kModel, (dir_ / "broken.hea").string(), ecgFile()});
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_NE(r.err.find("broken.hea"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("waveform_ecg.dcm"), std::string::npos) << r.out;
}

TEST_F(CliEcg, ConvertsToWfdbAndReadsBackTheSameRecording) {
  for (const std::string format : {"wfdb16", "wfdb212"}) {
    const fs::path header = dir_ / (format + ".hea");
    const auto c = runKrait({"ecg", "convert", ecgFile(), "--to", format, "-o", header.string()});
    ASSERT_EQ(c.exitCode, 0) << c.err;
    const auto a = runKrait({"ecg", "classify", "--model", kModel, "--json", ecgFile()});
    const auto b = runKrait({"ecg", "classify", "--model", kModel, "--json", header.string()});
    ASSERT_EQ(b.exitCode, 0) << b.err;
    // The same samples give the same probabilities and beats.
    EXPECT_EQ(json::parse(a.out).at("classes"), json::parse(b.out).at("classes")) << format;
    EXPECT_EQ(json::parse(a.out).at("heart_rate"), json::parse(b.out).at("heart_rate")) << format;
  }
}

TEST_F(CliEcg, EvaluatesAsTheOfficialCode) {
  const fs::path set = kFixtures / "ecg" / "metrics" / "random40";
  const auto r = runKrait({"ecg", "evaluate", "--labels", (set / "labels").string(), "--outputs", (set / "outputs").string(), "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::ifstream file(set / "official.json");
  const json official = json::parse(file), ours = json::parse(r.out);
  EXPECT_NEAR(ours.at("challenge_metric").get<double>(), official.at("challenge_metric").get<double>(), 1e-12);
  EXPECT_NEAR(ours.at("auroc").get<double>(), official.at("auroc").get<double>(), 1e-12);
}

TEST_F(CliEcg, UsageErrorsAndUnknownOptions) {
  EXPECT_EQ(runKrait({"ecg"}).exitCode, 2);
  const auto r = runKrait({"ecg", "classify", "--model", kModel, "--speed", "25", ecgFile()});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("unknown option --speed"), std::string::npos) << r.err;
  EXPECT_EQ(runKrait({"ecg", "classify", "--model", (dir_ / "nothing").string(), ecgFile()}).exitCode, 3);
}

// Without --model, the bundled demonstration model (plugins/ecg/models; MODEL_CARD.md): the real recording is the
// sinus rhythm its device read, and the result says what the model is for.
TEST_F(CliEcg, TheBundledModelFindsSinusRhythmInTheRealRecording) {
  const auto r = runKrait({"ecg", "classify", "--json", ecgFile()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j.at("model").at("id"), "ecg-mamba-synthetic-demo");
  EXPECT_NE(j.at("model").at("intended_use").get<std::string>().find("not for clinical use"), std::string::npos);
  bool sinus = false;
  for (const json& c : j.at("classes"))
    if (c.at("abbreviation") == "NSR") sinus = c.at("present").get<bool>();
  EXPECT_TRUE(sinus) << r.out;
}

TEST_F(CliEcg, TheClassifierWorksThroughKraitClassify) {
  const auto r = runKrait({"classify", "-c", "ecg-mamba-12lead", "--model", kModel, "--json", ecgFile()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(json::parse(r.out).at("labels").size(), 26u);
}

TEST(CliWithoutTheEcgPlugin, KraitWorksAndSaysEcgIsUnknown) {
  unsetenv("KRAIT_PLUGIN_PATH");
  EXPECT_EQ(runKrait({"--help"}).exitCode, 0);
  const auto r = runKrait({"ecg", "info", ecgFile()});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("ecg"), std::string::npos) << r.err;
}
