#include "krait/base/atomic_output.h"

#include <unistd.h>

#include <random>
#include <string>
#include <vector>

#include "krait/base/error.h"
#include "krait/base/sha256.h"

namespace fs = std::filesystem;

namespace krait {
namespace {

// A staging folder is named for its target (a hash of the file name, which may be too long to repeat in it), so
// that what a killed writer left is found by name, whatever the writer had put inside.
std::string stagingPrefix(const fs::path& target) {
  const std::string name = target.filename().string();
  Sha256 hash;
  hash.update(name.data(), name.size());
  return ".krait-partial-" + hash.hex().substr(0, 16) + "-";
}

}  // namespace

AtomicOutput::AtomicOutput(const fs::path& target) : target_(fs::absolute(target)) {
  const fs::path parent = target_.parent_path();
  std::error_code ec;
  if (!fs::is_directory(parent, ec)) throw outputError(target.string(), "folder " + parent.string() + " does not exist");
  if (fs::is_directory(target_, ec)) throw outputError(target.string(), "is a folder");
  const std::string prefix = stagingPrefix(target_);
  std::random_device rd;
  for (int attempt = 0;; ++attempt) {
    staging_dir_ = parent / (prefix + std::to_string(getpid()) + "-" + std::to_string(rd()));
    if (fs::create_directory(staging_dir_, ec)) break;
    if (ec || attempt > 8) throw outputError(target.string(), "cannot write in " + parent.string() + ": " + ec.message());
  }
  staging_file_ = staging_dir_ / target_.filename();
}

AtomicOutput::~AtomicOutput() {
  std::error_code ec;
  fs::remove_all(staging_dir_, ec);
}

void AtomicOutput::commit() {
  std::error_code ec;
  if (!fs::exists(staging_file_, ec))
    throw outputError(target_.string(), "the writer produced no file");
  std::vector<fs::path> companions;
  for (const auto& entry : fs::directory_iterator(staging_dir_))
    if (entry.path() != staging_file_) companions.push_back(entry.path());
  for (const auto& p : companions) {
    fs::rename(p, target_.parent_path() / p.filename(), ec);
    if (ec) throw outputError(target_.string(), "cannot move " + p.filename().string() + " into place: " + ec.message());
  }
  fs::rename(staging_file_, target_, ec);
  if (ec) throw outputError(target_.string(), "cannot move the finished file into place: " + ec.message());
  committed_ = true;
}

void removeAbandonedStaging(const fs::path& target) {
  const fs::path absolute = fs::absolute(target);
  const std::string prefix = stagingPrefix(absolute);
  std::error_code ec;
  std::vector<fs::path> abandoned;
  for (const auto& entry : fs::directory_iterator(absolute.parent_path(), ec))
    if (entry.path().filename().string().rfind(prefix, 0) == 0 && entry.is_directory(ec)) abandoned.push_back(entry.path());
  for (const fs::path& p : abandoned) fs::remove_all(p, ec);
}

}  // namespace krait
