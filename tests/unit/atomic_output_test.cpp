// AtomicOutput: a file appears whole or not at all, and what a killed writer left can be cleared by the one
// caller that owns the target (krait batch before it writes a case of its shard).
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "krait/base/atomic_output.h"

namespace fs = std::filesystem;

namespace krait {
namespace {

class AtomicOutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("krait-atomic-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                                        "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  size_t entries() const { return static_cast<size_t>(std::distance(fs::directory_iterator(dir_), fs::directory_iterator())); }
  static void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }
  fs::path dir_;
};

TEST_F(AtomicOutputTest, NothingAppearsUntilCommitAndNothingStaysWithoutIt) {
  const fs::path target = dir_ / "mask.nii.gz";
  {
    AtomicOutput out(target);
    write(out.stagingPath(), "whole");
    EXPECT_FALSE(fs::exists(target));
  }
  EXPECT_EQ(entries(), 0u);
  {
    AtomicOutput out(target);
    write(out.stagingPath(), "whole");
    out.commit();
    EXPECT_TRUE(fs::exists(target));
  }
  EXPECT_EQ(entries(), 1u);  // the target alone: the emptied staging folder went with the writer
}

// A writer killed before its commit: a child process that stages `name` and ends without unwinding.
void killedWriter(const fs::path& target) {
  const pid_t child = fork();
  if (child == 0) {
    auto* out = new AtomicOutput(target);  // never destroyed: the process ends as a SIGKILL would end it
    std::ofstream(out->stagingPath()) << "half";
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
}

TEST_F(AtomicOutputTest, AbandonedStagingOfTheTargetIsRemovedAndOthersAreKept) {
  killedWriter(dir_ / "case_1.nii.gz");
  killedWriter(dir_ / "case_2.nii.gz");
  write(dir_ / "case_1.json", "a finished report");
  ASSERT_EQ(entries(), 3u);  // two staging folders and the report

  removeAbandonedStaging(dir_ / "case_1.nii.gz");
  EXPECT_EQ(entries(), 2u);
  EXPECT_TRUE(fs::exists(dir_ / "case_1.json"));
  for (const auto& e : fs::directory_iterator(dir_))
    if (fs::is_directory(e.path())) {
      EXPECT_TRUE(fs::exists(e.path() / "case_2.nii.gz")) << e.path();
    }
  removeAbandonedStaging(dir_ / "case_2.nii.gz");
  EXPECT_EQ(entries(), 1u);
}

}  // namespace
}  // namespace krait
