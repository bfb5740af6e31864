#pragma once
// SHA-256 of files, for model manifests and the "same model" check of batch runs (FIPS 180-4).
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>

namespace krait {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  // Lower-case hex; the object is spent afterwards.
  std::string hex();

 private:
  void block(const uint8_t* p);
  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  uint64_t length_ = 0;
};

// Throws Error(Input) naming the file when it cannot be read.
std::string sha256File(const std::filesystem::path& path);

}  // namespace krait
