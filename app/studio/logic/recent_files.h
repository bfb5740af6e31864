#pragma once
// File > Open Recent: the most recent first, each path once, at most `limit`.
#include <cstddef>
#include <string>
#include <vector>

namespace krait::studio {

std::vector<std::string> withRecent(std::vector<std::string> recent, const std::string& path, std::size_t limit = 10);

}  // namespace krait::studio
