// Documented exit codes (docs/cli.md) and messages that name the file, for the cases a user meets.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>

#include "krait/engine/build_info.h"
#include "krait/engine/version.h"
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

// What a bug report needs: the commit, the build type, LibTorch, CUDA and cuDNN (or that there is none), and the
// instruction sets in use; as text and as JSON.
TEST(CliVersion, SaysTheCommitBuildLibTorchCudaAndCpu) {
  const krait::BuildInfo& b = krait::buildInfo();
  const auto r = runKrait({"--version"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "krait " + b.fullVersion());
  EXPECT_EQ(r.out.rfind("krait " KRAIT_VERSION, 0), 0u) << r.out;
  const std::string cuda = b.cuda.empty() ? "CUDA: none (this LibTorch is CPU-only)\ncuDNN: none\n" : "CUDA: " + b.cuda + " (LibTorch's)";
  for (const std::string& line : {"\ngit: " + b.git + "\n", "\nbuild type: " + b.buildType + "\n",
                                  "\nLibTorch: " + b.libtorch + "\n", "\n" + cuda,
                                  "\nCPU: " + b.cpuCapability + " (LibTorch's kernels), " + b.selectiveScan})
    EXPECT_NE(r.out.find(line), std::string::npos) << line << " not in:\n" << r.out;

  const auto j = runKrait({"--version", "--json"});
  ASSERT_EQ(j.exitCode, 0) << j.err;
  const nlohmann::json v = nlohmann::json::parse(j.out);
  EXPECT_EQ(v.at("krait"), KRAIT_VERSION);
  EXPECT_EQ(v.at("git"), b.git);
  EXPECT_EQ(v.at("build_type"), b.buildType);
  EXPECT_EQ(v.at("libtorch"), b.libtorch);
  EXPECT_EQ(v.at("cuda").is_null(), b.cuda.empty());
  EXPECT_EQ(v.at("cudnn").is_null(), b.cudnn.empty());
  EXPECT_EQ(v.at("cpu_capability"), b.cpuCapability);
  EXPECT_EQ(v.at("selective_scan"), b.selectiveScan);
  EXPECT_EQ(runKrait({"--version", "--verbose"}).exitCode, 2);
}

// The CPU line is what LibTorch dispatches to, which ATEN_CPU_CAPABILITY may lower: not merely what the CPU has.
TEST(CliVersion, TheCpuLineIsLibTorchsChoice) {
  setenv("ATEN_CPU_CAPABILITY", "default", 1);
  const auto r = runKrait({"--version"});
  unsetenv("ATEN_CPU_CAPABILITY");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("\nCPU: NO AVX (LibTorch's kernels)"), std::string::npos) << r.out;
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
