// Documented exit codes (docs/cli.md) and messages that name the file, for the cases a user meets.
#include <gtest/gtest.h>

#include <fstream>

#include "run_cli.h"
#include "testdata.h"

using krait::test::runKrait;
using krait::test::TempDir;
using krait::test::testData;

namespace {

void expectInputFailure(const std::string& path, const std::string& nameInMessage) {
  const auto r = runKrait({"info", path});
  EXPECT_EQ(r.exitCode, 3) << r.err;
  EXPECT_NE(r.err.find(nameInMessage), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
}

}  // namespace

TEST(CliExitCodes, HelpAndVersionSucceed) {
  EXPECT_EQ(runKrait({"--help"}).exitCode, 0);
  EXPECT_NE(runKrait({"--help"}).out.find("info"), std::string::npos);
  const auto info = runKrait({"info", "--help"});
  EXPECT_EQ(info.exitCode, 0);
  EXPECT_NE(info.out.find("--json"), std::string::npos);
  EXPECT_EQ(runKrait({"--version"}).exitCode, 0);
}

TEST(CliExitCodes, UsageErrorsExitTwo) {
  EXPECT_EQ(runKrait({}).exitCode, 2);
  EXPECT_EQ(runKrait({"frobnicate"}).exitCode, 2);
  EXPECT_EQ(runKrait({"info"}).exitCode, 2);
  const auto r = runKrait({"info", "--bogus", "x"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("--bogus"), std::string::npos);
  EXPECT_EQ(runKrait({"info", "--threads", "many", testData("nifti-mricron/aal.nii.gz").string()}).exitCode, 2);
}

TEST(CliExitCodes, BadInputsExitThreeAndNameTheFile) {
  TempDir dir;
  std::ofstream(dir / "noise.nii.gz") << "this is not an image at all";
  expectInputFailure((dir / "noise.nii.gz").string(), "noise.nii.gz");
  std::ofstream(dir / "mystery") << std::string(600, 'x');
  expectInputFailure((dir / "mystery").string(), "mystery");
  expectInputFailure((dir / "nowhere.nii").string(), "nowhere.nii");
  std::filesystem::create_directory(dir / "empty");
  expectInputFailure((dir / "empty").string(), "empty");
  expectInputFailure(testData("ecg/waveform_ecg.dcm").string(), "waveform_ecg.dcm");  // DICOM without pixels
}

TEST(CliExitCodes, OneBadPathDoesNotHideTheOthers) {
  TempDir dir;
  const auto r = runKrait({"info", (dir / "missing.nii").string(), testData("nifti-mricron/aal.nii.gz").string()});
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_NE(r.out.find("aal.nii.gz"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("missing.nii"), std::string::npos) << r.err;
}
