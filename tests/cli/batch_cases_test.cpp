// How `krait batch` finds cases and splits them into shards, and how `krait segment` finds channel files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "batch_cases.h"
#include "case_input.h"
#include "krait/base/error.h"
#include "testdata.h"

namespace fs = std::filesystem;
using krait::cli::BatchCase;

namespace {

void touch(const fs::path& p) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << "x";
}

std::vector<std::string> ids(const std::vector<BatchCase>& cases) {
  std::vector<std::string> out;
  for (const auto& c : cases) out.push_back(c.id);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(BatchCases, FolderGroupsChannelFilesAndTakesPlainImagesAndDicomFolders) {
  const krait::test::TempDir d;
  touch(d / "brain_0001.nii.gz");
  touch(d / "brain_0000.nii.gz");
  touch(d / "liver.nii.gz");
  touch(d / "ct_series/1.dcm");
  touch(d / "notes.txt");
  touch(d / ".hidden.nii.gz");
  const auto cases = krait::cli::casesFromFolder(d.path());
  ASSERT_EQ(ids(cases), (std::vector<std::string>{"brain", "ct_series", "liver"}));
  for (const auto& c : cases) {
    if (c.id != "brain") continue;
    EXPECT_EQ(c.inputs, (std::vector<std::string>{(d / "brain_0000.nii.gz").string(), (d / "brain_0001.nii.gz").string()}));
  }
}

TEST(BatchCases, FolderRefusesAGapInTheChannels) {
  const krait::test::TempDir d;
  touch(d / "a_0000.nii.gz");
  touch(d / "a_0002.nii.gz");
  EXPECT_THROW(krait::cli::casesFromFolder(d.path()), krait::Error);
}

TEST(BatchCases, CsvAndJsonLinesManifestsResolveRelativePaths) {
  const krait::test::TempDir d;
  std::ofstream(d / "cases.csv") << "case,image,image\nc1,c1_t1.nii.gz,/abs/c1_t2.nii.gz\n\nc2,\"c2.nii.gz\",\n";
  const auto csv = krait::cli::casesFromManifest(d / "cases.csv");
  ASSERT_EQ(csv.size(), 2u);
  EXPECT_EQ(csv[0].inputs, (std::vector<std::string>{(d / "c1_t1.nii.gz").string(), "/abs/c1_t2.nii.gz"}));
  EXPECT_EQ(csv[1].inputs, (std::vector<std::string>{(d / "c2.nii.gz").string()}));
  std::ofstream(d / "cases.jsonl") << R"({"case": "a", "image": "a.nii"})" "\n"
                                   << R"({"case": "b", "images": ["b0.nii", "b1.nii"]})" "\n";
  const auto jsonl = krait::cli::casesFromManifest(d / "cases.jsonl");
  ASSERT_EQ(jsonl.size(), 2u);
  EXPECT_EQ(jsonl[1].inputs.size(), 2u);
}

TEST(BatchCases, ManifestErrorsNameTheLine) {
  const krait::test::TempDir d;
  std::ofstream(d / "bad.csv") << "case,image\nc1,a.nii\nc1,b.nii\n";
  try {
    krait::cli::casesFromManifest(d / "bad.csv");
    FAIL() << "a duplicate case was accepted";
  } catch (const krait::Error& e) {
    EXPECT_NE(std::string(e.what()).find("'c1' appears twice"), std::string::npos) << e.what();
  }
  std::ofstream(d / "bad.jsonl") << "{\"case\": \"x\"}\n";
  try {
    krait::cli::casesFromManifest(d / "bad.jsonl");
    FAIL() << "a case without image was accepted";
  } catch (const krait::Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jsonl:1"), std::string::npos) << e.what();
  }
}

TEST(BatchCases, ShardsAreDisjointAndCoverTheBatch) {
  std::vector<BatchCase> all;
  for (int i = 0; i < 11; ++i) all.push_back({"case" + std::to_string(100 + i), {}});
  std::vector<std::string> seen;
  for (int s = 0; s < 3; ++s) {
    const auto part = krait::cli::selectShard(all, {s, 3});
    EXPECT_GE(part.size(), 3u);
    for (const auto& c : part) seen.push_back(c.id);
  }
  EXPECT_EQ(ids(all), [&] { std::sort(seen.begin(), seen.end()); return seen; }());
}

TEST(BatchCases, ShardComesFromTheFlagOrTheScheduler) {
  EXPECT_EQ(krait::cli::parseShard("2/5", 0).index, 2);
  EXPECT_THROW(krait::cli::parseShard("5/5", 0), krait::Error);
  EXPECT_THROW(krait::cli::parseShard("two", 0), krait::Error);
  setenv("SLURM_ARRAY_TASK_ID", "7", 1);
  setenv("SLURM_ARRAY_TASK_MIN", "5", 1);
  setenv("SLURM_ARRAY_TASK_COUNT", "4", 1);
  const auto slurm = krait::cli::parseShard("", 0);
  EXPECT_EQ(slurm.index, 2);
  EXPECT_EQ(slurm.count, 4);
  unsetenv("SLURM_ARRAY_TASK_ID");
  setenv("JOB_COMPLETION_INDEX", "1", 1);
  EXPECT_THROW(krait::cli::parseShard("", 0), krait::Error);  // Kubernetes gives no count
  EXPECT_EQ(krait::cli::parseShard("", 3).index, 1);
  unsetenv("JOB_COMPLETION_INDEX");
  EXPECT_EQ(krait::cli::parseShard("", 0).count, 1);
  EXPECT_THROW(krait::cli::parseShard("", 3), krait::Error);  // not an Indexed Job: --shards would be ignored
  EXPECT_THROW(krait::cli::parseShard("1/4", 4), krait::Error);
}

TEST(ChannelFiles, OneChannelZeroFileStandsForAllChannels) {
  const krait::test::TempDir d;
  touch(d / "p7_0000.nii.gz");
  touch(d / "p7_0001.nii.gz");
  const auto files = krait::cli::channelFiles({(d / "p7_0000.nii.gz").string()}, 2);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[1], d / "p7_0001.nii.gz");
  try {
    krait::cli::channelFiles({(d / "p7_0000.nii.gz").string()}, 3);
    FAIL() << "a missing channel file was not noticed";
  } catch (const krait::Error& e) {
    EXPECT_EQ(e.kind(), krait::ErrorKind::Input);
    EXPECT_NE(std::string(e.what()).find("p7_0002.nii.gz"), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(Devices, ListsSpreadCasesOverSeveralDevices) {
  EXPECT_EQ(krait::cli::deviceList("cpu,cpu"), (std::vector<std::string>{"cpu", "cpu"}));
  EXPECT_EQ(krait::cli::deviceList("cpu"), std::vector<std::string>{"cpu"});
  for (const char* bad : {"cpu,tpu", "", "cpu,,cpu"}) {
    try {
      krait::cli::deviceList(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const krait::Error& e) {
      EXPECT_EQ(e.kind(), krait::ErrorKind::Usage) << bad;
    }
  }
}
