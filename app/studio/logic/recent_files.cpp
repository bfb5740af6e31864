#include "recent_files.h"

#include <algorithm>

namespace krait::studio {

std::vector<std::string> withRecent(std::vector<std::string> recent, const std::string& path, std::size_t limit) {
  recent.erase(std::remove(recent.begin(), recent.end(), path), recent.end());
  recent.insert(recent.begin(), path);
  if (recent.size() > limit) recent.resize(limit);
  return recent;
}

}  // namespace krait::studio
