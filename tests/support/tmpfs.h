#pragma once
// A tmpfs of its own for a test, unmounted at the end: a disk that fills up or turns read-only. mount(2) needs root,
// which the tests have (as CI does); without it the test fails saying so.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

namespace krait::test {

class Tmpfs {
 public:
  Tmpfs(const std::filesystem::path& where, const std::string& size) : where_(where), size_(size) {
    std::filesystem::create_directories(where_);
    mounted_ = mount("tmpfs", where_.c_str(), "tmpfs", 0, ("size=" + size_).c_str()) == 0;
    EXPECT_TRUE(mounted_) << "mount tmpfs at " << where_ << ": " << std::strerror(errno) << " (the test needs root)";
  }
  ~Tmpfs() {
    if (mounted_) umount2(where_.c_str(), MNT_DETACH);
  }
  Tmpfs(const Tmpfs&) = delete;
  Tmpfs& operator=(const Tmpfs&) = delete;
  bool mounted() const { return mounted_; }
  // Read-only, or writable with another size. A read-only remount is refused (false, EBUSY) while a file there is
  // open for writing.
  bool tryRemount(bool readOnly, const std::string& size = "") {
    if (!size.empty()) size_ = size;
    return mount("tmpfs", where_.c_str(), "tmpfs", MS_REMOUNT | (readOnly ? MS_RDONLY : 0), ("size=" + size_).c_str()) == 0;
  }
  void remount(bool readOnly, const std::string& size = "") { EXPECT_TRUE(tryRemount(readOnly, size)) << std::strerror(errno); }

 private:
  std::filesystem::path where_;
  std::string size_;
  bool mounted_ = false;
};

}  // namespace krait::test
