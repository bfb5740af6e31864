// krait train end to end on a small real dataset cut from colin27 (ch2 with ch2bet): fine-tuning an official
// checkpoint, resuming, Python's nnU-Net loading the result, krait segment using it, nnU-Net's planning, and the
// dataset refused before anything is trained.
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <fstream>

#include "krait/io/volume_io.h"
#include "krait/pipeline/volume_tensor.h"
#include "segment_support.h"

namespace fs = std::filesystem;

namespace krait::test {
namespace {

const fs::path kOfficial = fs::path(KRAIT_FIXTURES) / "pipeline" / "t1_masked_zscore_tta_2folds" / "model";

// Five cases of 12 axial slices, 80 x 80 voxels each, from ch2; labels 1 grey-ish and 2 bright brain.
fs::path makeDataset(const fs::path& root) {
  const fs::path d = root / "Dataset990_Colin";
  fs::create_directories(d / "imagesTr");
  fs::create_directories(d / "labelsTr");
  const Volume t1 = io::readVolume(testData("nifti-mricron/ch2.nii.gz"));
  const torch::Tensor image = toTensor(t1)[0], brain = toTensor(io::readVolume(testData("nifti-mricron/ch2bet.nii.gz")))[0] > 0;
  const torch::Tensor labels = brain.to(torch::kShort) + (brain & (image > 100)).to(torch::kShort);
  using torch::indexing::Slice;
  for (int c = 0; c < 5; ++c) {
    const int64_t z0 = 60 + 14 * c;
    Geometry g = t1.geometry();
    g.size = {80, 80, 12};
    g.origin = t1.geometry().indexToPhysical({50.0, 60.0, static_cast<double>(z0)});
    const auto cut = [&](const torch::Tensor& t) { return t.index({Slice(z0, z0 + 12), Slice(60, 140), Slice(50, 130)}).contiguous(); };
    const std::string id = "colin_" + std::to_string(c);
    io::writeVolume(fromTensor(cut(image), g), d / "imagesTr" / (id + "_0000.nii.gz"));
    io::writeVolume(fromTensor(cut(labels).to(torch::kUInt8), g), d / "labelsTr" / (id + ".nii.gz"));
  }
  std::ofstream(d / "dataset.json") << R"({"channel_names": {"0": "T1"}, "labels": {"background": 0, "grey_matter": 1,
    "white_matter": 2}, "numTraining": 5, "file_ending": ".nii.gz"})";
  return d;
}

std::vector<std::string> quick(std::vector<std::string> args) {
  for (const char* a : {"--epochs", "2", "--iterations", "2", "--val-iterations", "1", "--batch-size", "2", "--threads", "2",
                        "--save-every", "1", "--quiet"})
    args.emplace_back(a);
  return args;
}

TEST(CliTrain, FineTunesAnOfficialCheckpointThatPythonAndKraitLoadAndResumes) {
  const TempDir tmp;
  const fs::path dataset = makeDataset(tmp.path());
  const std::vector<std::string> base{"train", "-d", dataset.string(), "-o", (tmp / "results").string(), "-c",
                                      "3d_fullres", "-f", "0"};
  std::vector<std::string> fineTune = base;
  for (const std::string& a : {std::string("--plans"), (kOfficial / "plans.json").string(), std::string("--init"),
                               (kOfficial / "fold_0" / "checkpoint_final.pth").string()})
    fineTune.push_back(a);
  const CliResult r = runKrait(quick(fineTune));
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("trained 4 case(s), validated on 1"), std::string::npos) << r.out;
  const fs::path model = tmp / "results" / "Dataset990_Colin" / "nnUNetTrainerUMambaBot__nnUNetPlans__3d_fullres";
  const fs::path fold = model / "fold_0";
  for (const char* f : {"checkpoint_final.pth", "checkpoint_best.pth", "training_log.txt"}) EXPECT_TRUE(fs::exists(fold / f)) << f;
  EXPECT_FALSE(fs::exists(fold / "checkpoint_latest.pth"));

  // Python's nnU-Net (Debian's python3-torch) loads it as the official network's checkpoint, trained.
  const CliResult py = runProgram("/usr/bin/python3", {(fs::path(KRAIT_TEST_SOURCE) / "models" / "load_krait_checkpoint.py").string(),
                                                      (fold / "checkpoint_final.pth").string(),
                                                      (kOfficial / "fold_0" / "checkpoint_final.pth").string(),
                                                      "nnUNetTrainerUMambaBot", "3d_fullres", "--trained"});
  EXPECT_EQ(py.exitCode, 0) << py.out << py.err;

  // Krait segments with it.
  const CliResult seg = runKrait({"segment", "-m", model.string(), "-f", "0", "-i", smallImage().string(), "-o",
                                  (tmp / "mask.nii.gz").string(), "--disable-tta", "--threads", "2"});
  EXPECT_EQ(seg.exitCode, 0) << seg.err;

  // A second run would overwrite it: refused. --resume continues from the final checkpoint's epoch.
  expectRefused(runKrait(quick(fineTune)), 4, "--resume");
  std::vector<std::string> resume = base;
  for (const char* a : {"--resume", "--epochs", "3", "--iterations", "1", "--val-iterations", "1", "--threads", "2"})
    resume.emplace_back(a);
  const CliResult more = runKrait(resume);
  ASSERT_EQ(more.exitCode, 0) << more.out << more.err;
  EXPECT_NE(more.out.find("epoch 3/3"), std::string::npos) << more.out;
  EXPECT_EQ(more.out.find("epoch 2/3"), std::string::npos) << more.out;
  expectRefused(runKrait({"train", "-d", dataset.string(), "-o", (tmp / "results").string(), "-c", "3d_fullres", "--resume",
                          "--init", (kOfficial / "fold_0" / "checkpoint_final.pth").string()}),
                2, "--init");
}

TEST(CliTrain, CtrlCKeepsTheTrainingSoFarForResume) {
  const TempDir tmp;
  const fs::path dataset = makeDataset(tmp.path());
  const std::vector<std::string> args{"train", "-d", dataset.string(), "-o", (tmp / "results").string(), "-c", "3d_fullres",
                                      "-f", "all", "--plans", (kOfficial / "plans.json").string(), "--epochs", "1000",
                                      "--iterations", "2", "--val-iterations", "1", "--batch-size", "2", "--threads", "2"};
  const CliResult r = runKrait(args, 8.0);
  EXPECT_EQ(r.exitCode, 130) << r.out << r.err;
  EXPECT_NE(r.err.find("--resume"), std::string::npos) << r.err;
  const fs::path fold = tmp / "results" / "Dataset990_Colin" / "nnUNetTrainerUMambaBot__nnUNetPlans__3d_fullres" / "fold_all";
  EXPECT_TRUE(fs::exists(fold / "checkpoint_latest.pth"));
  EXPECT_FALSE(fs::exists(fold / "checkpoint_final.pth"));
}

TEST(CliTrain, PlansFromTheDatasetsFingerprint) {
  const TempDir tmp;
  const fs::path dataset = makeDataset(tmp.path());
  const CliResult r = runKrait({"train", "-d", dataset.string(), "-o", (tmp / "results").string(), "-c", "2d", "-f", "all",
                                "--epochs", "1", "--iterations", "1", "--val-iterations", "1", "--batch-size", "2",
                                "--threads", "2", "--quiet"});
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  const fs::path model = tmp / "results" / "Dataset990_Colin" / "nnUNetTrainerUMambaBot__nnUNetPlans__2d";
  const auto plans = nlohmann::json::parse(fileBytes(model / "plans.json"));
  const auto& c = plans.at("configurations").at("2d");
  EXPECT_EQ(c.at("normalization_schemes"), nlohmann::json::array({"ZScoreNormalization"}));
  EXPECT_EQ(c.at("batch_size"), 2);  // the command line's, written into the plans the model carries
  EXPECT_EQ(c.at("spacing"), nlohmann::json::array({1.0, 1.0}));
  EXPECT_TRUE(fs::exists(model / "dataset_fingerprint.json"));
  EXPECT_TRUE(fs::exists(model / "fold_all" / "checkpoint_final.pth"));
}

TEST(CliTrain, ABadDatasetIsRefusedBeforeTraining) {
  const TempDir tmp;
  const fs::path dataset = makeDataset(tmp.path());
  const fs::path labels = dataset / "labelsTr" / "colin_2.nii.gz";
  Volume bad = io::readVolume(labels);
  static_cast<uint8_t*>(bad.data())[0] = 7;
  io::writeVolume(bad, labels);
  fs::rename(dataset / "imagesTr" / "colin_4_0000.nii.gz", tmp / "colin_4_0000.nii.gz");
  const CliResult r = runKrait({"train", "-d", dataset.string(), "-o", (tmp / "results").string(), "-c", "2d"});
  EXPECT_EQ(r.exitCode, 3) << r.err;
  EXPECT_NE(r.err.find("colin_4"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(tmp / "results"));
  fs::rename(tmp / "colin_4_0000.nii.gz", dataset / "imagesTr" / "colin_4_0000.nii.gz");
  const CliResult values = runKrait({"train", "-d", dataset.string(), "-o", (tmp / "results").string(), "-c", "2d"});
  EXPECT_EQ(values.exitCode, 3) << values.err;
  EXPECT_NE(values.err.find("colin_2"), std::string::npos) << values.err;
  EXPECT_NE(values.err.find("7"), std::string::npos) << values.err;
  EXPECT_FALSE(fs::exists(tmp / "results"));
  expectRefused(runKrait({"train", "-d", dataset.string(), "-o", (tmp / "results").string(), "--epochs", "0"}), 2, "epochs");
  expectRefused(runKrait({"train", "-d", dataset.string(), "-o", (tmp / "results").string(), "--trainer", "nnUNetTrainer"}),
                3, "cannot train");
}

}  // namespace
}  // namespace krait::test
