#include "atomic_file.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "slide.h"

namespace krait::wsi {

namespace fs = std::filesystem;

void writeAtomically(const std::string& path, const std::function<void(const std::string& staging)>& write) {
  const fs::path target = fs::absolute(path);
  const fs::path folder = target.parent_path();
  std::error_code ec;
  if (!fs::is_directory(folder, ec))
    throw SlideError(path, folder.string() + (fs::exists(folder, ec) ? " is not a folder" : " does not exist"));
  static std::atomic<unsigned> serial{0};
  const fs::path staging = folder / ("." + target.filename().string() + ".partial-" + std::to_string(getpid()) + "-" +
                                     std::to_string(serial++));
  try {
    write(staging.string());
    fs::rename(staging, target);
  } catch (const fs::filesystem_error& e) {
    fs::remove(staging, ec);
    throw SlideError(path, "cannot be put in place: " + e.code().message());
  } catch (...) {
    fs::remove(staging, ec);
    throw;
  }
}

void writeText(const std::string& path, std::string_view text) {
  writeAtomically(path, [&](const std::string& staging) {
    std::ofstream out(staging, std::ios::binary);
    if (!out) throw SlideError(path, "cannot be written: " + std::string(std::strerror(errno)));
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out.flush()) throw SlideError(path, "cannot be written: " + std::string(std::strerror(errno)));
  });
}

}  // namespace krait::wsi
