#include "fuzz_input.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace krait::fuzz {

const std::filesystem::path& scratchFolder() {
  static const std::filesystem::path folder = [] {
    const std::filesystem::path base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    const std::filesystem::path f = base / ("krait-fuzz-" + std::to_string(getpid()));
    std::filesystem::create_directories(f);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(scratchFolder(), ignored);
    });
    return f;
  }();
  return folder;
}

std::filesystem::path writeInput(const uint8_t* data, std::size_t size, const std::string& name) {
  const std::filesystem::path path = scratchFolder() / name;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

std::vector<std::string> splitInput(const uint8_t* data, std::size_t size, const std::string& separator, std::size_t maxParts) {
  const std::string all(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  std::size_t from = 0;
  while (parts.size() + 1 < maxParts) {
    const std::size_t at = all.find(separator, from);
    if (at == std::string::npos) break;
    parts.push_back(all.substr(from, at - from));
    from = at + separator.size();
  }
  parts.push_back(all.substr(from));
  return parts;
}

}  // namespace krait::fuzz
