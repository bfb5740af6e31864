// The ECG plugin's label table and challenge metrics against the official PhysioNet/CinC 2021 evaluation code:
// synthetic sets scored by evaluate_model.py (tests/fixtures/ecg/make_metric_goldens.py), and the reading rules.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "classes.h"
#include "metrics.h"
#include "record.h"

using namespace krait::ecg;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const fs::path kMetrics = fs::path(KRAIT_FIXTURES) / "ecg" / "metrics";

struct LoadedSet {
  std::vector<std::string> records;
  std::vector<ClassLabels> labels, binary;
  std::vector<ClassScores> probabilities;
};

// As the official code pairs them: every labels/<record>.hea in name order with outputs/<record>.csv.
LoadedSet loadSet(const fs::path& set) {
  std::vector<fs::path> headers;
  for (const auto& entry : fs::directory_iterator(set / "labels")) headers.push_back(entry.path());
  std::sort(headers.begin(), headers.end());
  LoadedSet loaded;
  for (const fs::path& header : headers) {
    const ChallengeOutput output = readChallengeOutput(set / "outputs" / header.stem().replace_extension(".csv"));
    loaded.records.push_back(header.stem().string());
    loaded.labels.push_back(readLabels(header));
    loaded.binary.push_back(output.binary);
    loaded.probabilities.push_back(output.probabilities);
  }
  return loaded;
}

json official(const std::string& set) {
  std::ifstream in(kMetrics / set / "official.json");
  return json::parse(in);
}

std::string bits(const ClassLabels& row) {
  std::string s;
  for (const bool b : row) s += b ? '1' : '0';
  return s;
}

// The official NaN (null in JSON) must be NaN here too.
void expectMatches(double got, const json& want, const std::string& what) {
  if (want.is_null())
    EXPECT_TRUE(std::isnan(got)) << what << " = " << got << ", official NaN";
  else
    EXPECT_NEAR(got, want.get<double>(), 1e-9) << what;
}

void expectMatches(const ClassScores& got, const json& want, const std::string& what) {
  ASSERT_EQ(want.size(), kNumClasses) << what;
  for (std::size_t k = 0; k < kNumClasses; ++k)
    expectMatches(got[k], want[k], what + " of " + scoredClasses()[k].abbreviation);
}

class OfficialGoldens : public ::testing::TestWithParam<std::string> {};

TEST_P(OfficialGoldens, ReadsWhatTheOfficialCodeLoads) {
  const json want = official(GetParam());
  const LoadedSet got = loadSet(kMetrics / GetParam());
  ASSERT_EQ(got.records, want["records"].get<std::vector<std::string>>());
  for (std::size_t i = 0; i < got.records.size(); ++i) {
    EXPECT_EQ(bits(got.labels[i]), want["labels"][i]) << got.records[i];
    EXPECT_EQ(bits(got.binary[i]), want["binary_outputs"][i]) << got.records[i];
    for (std::size_t k = 0; k < kNumClasses; ++k)
      EXPECT_DOUBLE_EQ(got.probabilities[i][k], want["scalar_outputs"][i][k].get<double>())
          << got.records[i] << " " << scoredClasses()[k].abbreviation;
  }
}

TEST_P(OfficialGoldens, MetricsMatch) {
  const json want = official(GetParam());
  const LoadedSet set = loadSet(kMetrics / GetParam());
  const Evaluation got = evaluate(set.labels, set.binary, set.probabilities);
  expectMatches(got.auroc, want["auroc"], "AUROC");
  expectMatches(got.auprc, want["auprc"], "AUPRC");
  expectMatches(got.accuracy, want["accuracy"], "accuracy");
  expectMatches(got.fMeasure, want["f_measure"], "F-measure");
  expectMatches(got.challengeMetric, want["challenge_metric"], "challenge metric");
  expectMatches(got.aurocPerClass, want["auroc_classes"], "AUROC");
  expectMatches(got.auprcPerClass, want["auprc_classes"], "AUPRC");
  expectMatches(got.fMeasurePerClass, want["f_measure_classes"], "F-measure");
}

INSTANTIATE_TEST_SUITE_P(Sets, OfficialGoldens, ::testing::Values("random40", "ties24", "nsr_only5"));

TEST(EcgClasses, TableIsTheOfficialOne) {
  const auto classes = official("random40")["classes"].get<std::vector<std::string>>();  // weights.csv header
  std::set<std::string> codes;
  std::map<DisplayGroup, int> groups;
  for (std::size_t k = 0; k < kNumClasses; ++k) {
    EXPECT_EQ(joinedCodes(scoredClasses()[k]), classes[k]);
    codes.insert(scoredClasses()[k].codes.begin(), scoredClasses()[k].codes.end());
    ++groups[scoredClasses()[k].group];
    EXPECT_EQ(challengeWeights()[k][k], 1.0);
    for (std::size_t j = 0; j < kNumClasses; ++j) {
      EXPECT_EQ(challengeWeights()[j][k], challengeWeights()[k][j]);
      EXPECT_GE(challengeWeights()[j][k], 0.15);
    }
  }
  EXPECT_EQ(codes.size(), 30u);
  EXPECT_EQ(scoredClasses()[kNormalClass].codes, std::vector<std::string>{"426783006"});
  const std::map<DisplayGroup, int> expectedGroups{{DisplayGroup::Rhythm, 8},
                                                   {DisplayGroup::Conduction, 8},
                                                   {DisplayGroup::Axis, 2},
                                                   {DisplayGroup::Ectopy, 2},
                                                   {DisplayGroup::Morphology, 6}};
  EXPECT_EQ(groups, expectedGroups);
  EXPECT_EQ(challengeWeights()[0][14], 0.25);  // AF row, NSR column of weights.csv
  EXPECT_EQ(challengeWeights()[15][19], 0.2375);  // PAC|SVPB row, QAb column
}

TEST(EcgClasses, EquivalentCodesShareAClassAndUnscoredCodesAreIgnored) {
  const std::vector<std::pair<std::string, std::string>> pairs{
      {"733534002", "164909002"}, {"713427006", "59118001"}, {"284470004", "63593006"}, {"427172004", "17338001"}};
  for (const auto& [a, b] : pairs) {
    ASSERT_TRUE(classOfCode(a).has_value()) << a;
    EXPECT_EQ(classOfCode(a), classOfCode(b)) << a << " " << b;
  }
  EXPECT_FALSE(classOfCode("164951009").has_value());  // abnormal QRS: unscored
  const ClassLabels labels = labelsFromCodes({"59118001", "164951009", "713427006", "426783006"});
  EXPECT_EQ(bits(labels), "00000100000000100000000000");
}

fs::path temporaryFile(const std::string& name, const std::string& content) {
  const fs::path dir = fs::path(::testing::TempDir()) / "krait_ecg_metrics_test";
  fs::create_directories(dir);
  std::ofstream(dir / name) << content;
  return dir / name;
}

TEST(EcgLabels, ReadsDxLinesWithAndWithoutSpace) {
  const fs::path header = temporaryFile("A0001.hea",
                                        "A0001 12 500 7500 05-Feb-2020 11:39:16\n#Age: 74\n# Dx: 164889003\r\n"
                                        "#Dx:59118001,  164951009\n#Dxx: 426783006\n");
  EXPECT_EQ(readDxCodes(header), (std::vector<std::string>{"164889003", "59118001", "164951009"}));
  EXPECT_EQ(bits(readLabels(header)), "10000100000000000000000000");
  EXPECT_FALSE(dxCodesOfLine("#Sex: Male").has_value());
  EXPECT_EQ(dxCodesOfLine("#Dx: "), std::vector<std::string>{});

  const fs::path missing = header.parent_path() / "missing.hea";
  try {
    readDxCodes(missing);
    FAIL() << "no FileError";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
  }
}

TEST(EcgOutputCsv, WriteThenReadGivesTheSameOutput) {
  ChallengeOutput output;
  output.recordId = "A0001";
  for (std::size_t k = 0; k < kNumClasses; ++k) {
    output.binary[k] = k % 3 == 0;
    output.probabilities[k] = 1.0 / static_cast<double>(k + 3);
  }
  const fs::path file = temporaryFile("A0001.csv", "");
  writeChallengeOutput(file, output);
  const ChallengeOutput read = readChallengeOutput(file);
  EXPECT_EQ(read.recordId, output.recordId);
  EXPECT_EQ(read.binary, output.binary);
  EXPECT_EQ(read.probabilities, output.probabilities);  // bit for bit
}

TEST(EcgOutputCsv, BadFilesThrowNamingTheFile) {
  const std::string codes = "164889003,426783006,59118001|713427006\n";
  struct Case {
    std::string name, content, reason;
  };
  const std::vector<Case> cases{
      {"three_lines", "#X\n" + codes + "0,1,0\n", "4 lines"},
      {"five_lines", "#X\n" + codes + "0,1,0\n0.1,0.9,0.2\n0.1,0.9,0.2\n", "4 lines"},
      {"no_record_line", "X\n" + codes + "0,1,0\n0.1,0.9,0.2\n", "#record_id"},
      {"abbreviation", "#X\nAF,NSR,RBBB\n0,1,0\n0.1,0.9,0.2\n", "'AF' is not a SNOMED CT code"},
      {"empty_code", "#X\n164889003,,426783006\n0,1,0\n0.1,0.9,0.2\n", "'' is not a SNOMED CT code"},
      {"only_unscored", "#X\n164951009\n0\n0.5\n", "none of the scored classes"},
      {"non_numeric_probability", "#X\n" + codes + "0,1,0\n0.1,high,0.2\n", "'high' is not a number"},
      {"binary_two", "#X\n" + codes + "0,2,0\n0.1,0.9,0.2\n", "'2' is not a binary output"},
      {"binary_word", "#X\n" + codes + "0,yes,0\n0.1,0.9,0.2\n", "'yes' is not a binary output"},
      {"short_probabilities", "#X\n" + codes + "0,1,0\n0.1,0.9\n", "2 probabilities"},
  };
  for (const auto& [name, content, reason] : cases) {
    const fs::path file = temporaryFile(name + ".csv", content);
    try {
      readChallengeOutput(file);
      ADD_FAILURE() << name << ": no FileError";
    } catch (const FileError& e) {
      EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(readChallengeOutput(kMetrics / "no_such.csv"), FileError);
}

TEST(EcgMetrics, RejectsMismatchedOrEmptyInput) {
  const std::vector<ClassLabels> two(2), one(1);
  EXPECT_THROW(accuracy(two, one), std::invalid_argument);
  EXPECT_THROW(challengeMetric({}, {}), std::invalid_argument);
  std::vector<ClassScores> probabilities(2);
  probabilities[1][3] = std::nan("");
  EXPECT_THROW(areasUnderCurves(two, probabilities), std::invalid_argument);
}

}  // namespace
