// AtomicOutput: a file appears whole or not at all, and what a killed writer left can be cleared by the one
// caller that owns the target (krait batch before it writes a case of its shard).
#include <gtest/gtest.h>

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

TEST_F(AtomicOutputTest, AbandonedStagingOfTheTargetIsRemovedAndOthersAreKept) {
  // What a writer killed mid-write leaves: its staging folder with the half-written file.
  const fs::path killed = dir_ / ".krait-partial-4242-1";
  const fs::path other = dir_ / ".krait-partial-4243-2";
  fs::create_directory(killed);
  fs::create_directory(other);
  write(killed / "case_1.nii.gz", "half");
  write(other / "case_2.nii.gz", "half");
  write(dir_ / "case_1.json", "a finished report");

  removeAbandonedStaging(dir_ / "case_1.nii.gz");
  EXPECT_FALSE(fs::exists(killed));
  EXPECT_TRUE(fs::exists(other / "case_2.nii.gz"));
  EXPECT_TRUE(fs::exists(dir_ / "case_1.json"));
}

}  // namespace
}  // namespace krait
