#pragma once
// Outputs appear whole or not at all: writers write into a hidden staging folder beside the target, and
// commit() renames the finished files into place (a rename within one file system is atomic). A writer that
// produces companion files (.mhd + .raw, .nhdr + .raw) writes them all into the staging folder; the file
// named like the target is moved last, so a reader never sees a header without its data.
#include <filesystem>

namespace krait {

class AtomicOutput {
 public:
  // Throws Error(Output) if the target's folder does not exist or is not writable.
  explicit AtomicOutput(const std::filesystem::path& target);
  ~AtomicOutput();  // removes the staging folder and anything in it unless committed
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  // Where the writer writes: the staging folder joined with the target's file name.
  const std::filesystem::path& stagingPath() const { return staging_file_; }
  void commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path staging_dir_;
  std::filesystem::path staging_file_;
  bool committed_ = false;
};

// Removes the staging folders made for target (they are named for it): what a writer killed before its
// commit (SIGKILL, an out-of-memory kill, a lost node) left behind. Only for a caller that alone writes target,
// such as a batch shard, which alone writes its cases: a live writer's staging folder would go too.
void removeAbandonedStaging(const std::filesystem::path& target);

}  // namespace krait
