#pragma once
// Sizes as people write them in messages: 48x192x192.
#include <cstdint>
#include <string>
#include <vector>

namespace krait {

inline std::string sizeText(const std::vector<int64_t>& sizes) {
  std::string text;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (i) text += 'x';
    text += std::to_string(sizes[i]);
  }
  return text;
}

}  // namespace krait
