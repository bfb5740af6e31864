// The build's identity: what CMake found (the commit, the build type, LibTorch, CUDA) reaches buildInfo(), and the
// full version and the note written into image headers are formed as documented.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "krait/engine/build_info.h"
#include "krait/engine/version.h"

using krait::buildInfo;
using krait::fileNote;
using krait::versionWithGit;

TEST(BuildInfo, CarriesWhatCMakeFound) {
  const krait::BuildInfo& b = buildInfo();
  EXPECT_EQ(b.version, KRAIT_VERSION);
  EXPECT_EQ(b.git, KRAIT_TEST_GIT_DESCRIBE);
  EXPECT_EQ(b.buildType, KRAIT_TEST_BUILD_TYPE);
  EXPECT_EQ(b.libtorch, KRAIT_TEST_TORCH_VERSION);
#ifdef KRAIT_TEST_WITH_CUDA
  EXPECT_TRUE(std::regex_match(b.cuda, std::regex("[0-9]+\\.[0-9]+"))) << b.cuda;
  EXPECT_TRUE(b.kraitCudaKernels);
#else
  EXPECT_EQ(b.cuda, "");
  EXPECT_EQ(b.cudnn, "");
  EXPECT_FALSE(b.kraitCudaKernels);
  EXPECT_EQ(b.cudaDevices, 0);
#endif
  EXPECT_TRUE(b.cpuCapability == "NO AVX" || b.cpuCapability == "AVX2" || b.cpuCapability == "AVX512") << b.cpuCapability;
  EXPECT_TRUE(b.selectiveScan == "generic" || b.selectiveScan == "avx2" || b.selectiveScan == "avx512") << b.selectiveScan;
  EXPECT_EQ(b.fullVersion(), versionWithGit(b.version, b.git));
}

// Configured in a git checkout, the build knows its commit (a tag's describe or an abbreviated hash).
TEST(BuildInfo, ACheckoutKnowsItsCommit) {
  if (!std::filesystem::exists(std::filesystem::path(KRAIT_TEST_SOURCE) / ".git")) GTEST_SKIP() << "not a git checkout";
  EXPECT_TRUE(std::regex_match(buildInfo().git, std::regex("(.+-[0-9]+-g)?[0-9a-f]{7,}(-dirty)?|v?[0-9][^ ]*")))
      << buildInfo().git;
}

TEST(BuildInfo, TheFullVersionNamesTheCommit) {
  EXPECT_EQ(versionWithGit("0.1.0", "unknown"), "0.1.0");
  EXPECT_EQ(versionWithGit("0.1.0", "v0.1.0"), "0.1.0");
  EXPECT_EQ(versionWithGit("0.1.0", "v0.1.0-12-gabc1234"), "0.1.0-12-gabc1234");
  EXPECT_EQ(versionWithGit("0.1.0", "0.1.0-12-gabc1234-dirty"), "0.1.0-12-gabc1234-dirty");
  EXPECT_EQ(versionWithGit("0.1.0", "abc1234"), "0.1.0+abc1234");
  EXPECT_EQ(versionWithGit("0.1.0", "abc1234-dirty"), "0.1.0+abc1234-dirty");
  // Another version's tag does not stand for this version.
  EXPECT_EQ(versionWithGit("0.1.0", "v0.0.9-3-gabc1234"), "0.1.0+v0.0.9-3-gabc1234");
  EXPECT_EQ(versionWithGit("0.1.0", "v0.1.01-3-gabc1234"), "0.1.0+v0.1.01-3-gabc1234");
}

TEST(BuildInfo, TheFileNoteFitsNiftiDescrip) {
  const std::string prefix = "krait " + buildInfo().fullVersion();
  EXPECT_EQ(fileNote(""), prefix);
  EXPECT_EQ(fileNote("demo-t1-brain"), prefix + " demo-t1-brain");
  EXPECT_EQ(fileNote(std::string(200, 'x')).size(), 79u);
  // Cut between characters, never inside one ("é" is two bytes): one of the two subjects puts a cut inside "é".
  std::string accents;
  for (int i = 0; i < 60; ++i) accents += "\xc3\xa9";
  for (const std::string& subject : {accents, "x" + accents}) {
    const std::string cut = fileNote(subject);
    EXPECT_GE(cut.size(), 78u);
    EXPECT_LE(cut.size(), 79u);
    EXPECT_EQ(cut.substr(0, prefix.size() + 1), prefix + " ");
    EXPECT_NE(static_cast<unsigned char>(cut.back()), 0xc3) << "a character's first byte without its second";
  }
}
