#pragma once
// Real test files fetched by scripts/fetch-test-data.sh (never committed). ctest passes their folder in
// KRAIT_TESTDATA; a missing file fails the test with the command that fetches it — it is never skipped.
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace krait::test {

inline std::filesystem::path testDataRoot() {
  const char* root = std::getenv("KRAIT_TESTDATA");
  if (!root || !*root) throw std::runtime_error("KRAIT_TESTDATA is not set (run the tests through ctest)");
  return root;
}

inline std::filesystem::path testData(const std::string& fixture) {
  const auto p = testDataRoot() / fixture;
  if (!std::filesystem::exists(p))
    throw std::runtime_error("missing test file " + p.string() + ": run scripts/fetch-test-data.sh");
  return p;
}

// A file's whole content ("" when it cannot be read).
std::string fileBytes(const std::filesystem::path& p);

// A fresh empty folder under the build tree's temporary area, removed by the caller's TempDir destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace krait::test
