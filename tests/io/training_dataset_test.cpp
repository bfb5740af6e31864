// nnU-Net raw datasets for training, found and checked before any training starts: real scans from the
// catalogue (colin27 with the AAL atlas on its grid, the JHU atlas at 2 mm), laid out as nnU-Net wants them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "krait/base/error.h"
#include "krait/io/training_dataset.h"
#include "testdata.h"

using namespace krait;
namespace fs = std::filesystem;

namespace {

// dataset.json with `channels` channels and labels 0..maxLabel.
void writeDatasetJson(const fs::path& folder, int channels, int maxLabel, int numTraining, bool ignore = false) {
  std::ofstream out(folder / "dataset.json");
  out << "{\"channel_names\": {";
  for (int c = 0; c < channels; ++c) out << (c ? ", " : "") << "\"" << c << "\": \"T1\"";
  out << "}, \"labels\": {\"background\": 0";
  for (int l = 1; l <= maxLabel; ++l) out << ", \"region" << l << "\": " << l;
  if (ignore) out << ", \"ignore\": " << maxLabel + 1;
  out << "}, \"numTraining\": " << numTraining << ", \"file_ending\": \".nii.gz\"}";
}

// imagesTr/brain_0000.nii.gz (colin27) and labelsTr/brain.nii.gz (`labels`), as links to the catalogue files.
fs::path brainDataset(const test::TempDir& dir, const std::string& labels) {
  const fs::path root = dir / "Dataset001_Brain";
  fs::create_directories(root / "imagesTr");
  fs::create_directories(root / "labelsTr");
  fs::create_symlink(test::testData("nifti-mricron/ch2.nii.gz"), root / "imagesTr" / "brain_0000.nii.gz");
  fs::create_symlink(test::testData(labels), root / "labelsTr" / "brain.nii.gz");
  return root;
}

std::string errorOf(const fs::path& folder) {
  try {
    io::findTrainingDataset(folder);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Input);
    return e.what();
  }
  return "";
}

}  // namespace

TEST(TrainingDataset, FindsTheCasesAndPassesARealAtlas) {
  const test::TempDir dir;
  const fs::path root = brainDataset(dir, "nifti-mricron/aal.nii.gz");
  writeDatasetJson(root, 1, 116, 1, true);
  const io::TrainingDataset d = io::findTrainingDataset(root);
  ASSERT_EQ(d.cases.size(), 1u);
  EXPECT_EQ(d.cases[0].id, "brain");
  EXPECT_EQ(d.cases[0].images, std::vector<fs::path>{root / "imagesTr" / "brain_0000.nii.gz"});
  EXPECT_EQ(d.channels, std::vector<std::string>{"T1"});
  EXPECT_EQ(d.labelValues.size(), 118u);  // background, 116 regions, ignore
  EXPECT_EQ(d.ignoreLabel, 117);
  const std::vector<std::string> problems = io::verifyTrainingDataset(d);
  EXPECT_TRUE(problems.empty()) << problems.front();
}

TEST(TrainingDataset, LabelValuesTheJsonDoesNotListAreNamed) {
  const test::TempDir dir;
  const fs::path root = brainDataset(dir, "nifti-mricron/aal.nii.gz");
  writeDatasetJson(root, 1, 110, 1);
  const std::vector<std::string> problems = io::verifyTrainingDataset(io::findTrainingDataset(root));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("case brain: " + (root / "labelsTr" / "brain.nii.gz").string()), std::string::npos) << problems[0];
  EXPECT_NE(problems[0].find("does not list: 111, 112, 113, 114, 115, 116"), std::string::npos) << problems[0];
}

TEST(TrainingDataset, ALabelMapOnAnotherGridIsAProblem) {
  const test::TempDir dir;
  const fs::path root = brainDataset(dir, "nifti-mricron/JHU-WhiteMatter-labels-2mm.nii.gz");
  writeDatasetJson(root, 1, 60, 1);
  const std::vector<std::string> problems = io::verifyTrainingDataset(io::findTrainingDataset(root));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("the label map lies on another grid than brain_0000.nii.gz"), std::string::npos) << problems[0];
  EXPECT_NE(problems[0].find("spacing 2 x 2 x 2 mm (image 1 x 1 x 1)"), std::string::npos) << problems[0];
}

TEST(TrainingDataset, MissingFilesAndCountsAreRefusedBeforeReading) {
  const test::TempDir dir;
  const fs::path root = brainDataset(dir, "nifti-mricron/aal.nii.gz");
  EXPECT_NE(errorOf(root).find("holds no dataset.json"), std::string::npos);
  writeDatasetJson(root, 2, 116, 1);  // a second channel nobody provided
  EXPECT_NE(errorOf(root).find((root / "imagesTr" / "brain_0001.nii.gz").string() + ": is missing: case brain lacks this channel file"),
            std::string::npos) << errorOf(root);
  writeDatasetJson(root, 1, 116, 3);
  EXPECT_NE(errorOf(root).find("numTraining says 3 cases, 1 found"), std::string::npos) << errorOf(root);
  writeDatasetJson(root, 1, 116, 1);
  fs::remove(root / "labelsTr" / "brain.nii.gz");
  EXPECT_NE(errorOf(root).find("brain.nii.gz: is missing: case brain has no label map"), std::string::npos) << errorOf(root);
  fs::remove_all(root / "labelsTr");
  EXPECT_NE(errorOf(root).find("labelsTr: is missing"), std::string::npos) << errorOf(root);
  std::ofstream(root / "dataset.json") << R"({"labels": {"background": 0}, "numTraining": 1})";
  EXPECT_NE(errorOf(root).find("has no 'file_ending'"), std::string::npos) << errorOf(root);
}
