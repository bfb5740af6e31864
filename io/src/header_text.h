#pragma once
// What Krait's own header checks (metaimage_check.cpp, nrrd_check.cpp) share when they read a header's text lines.
#include <string>

namespace krait::io {

// `s` without the spaces, tabs and carriage returns around it.
inline std::string trimmed(std::string s) {
  s.erase(0, s.find_first_not_of(" \t\r"));
  s.erase(s.find_last_not_of(" \t\r") + 1);
  return s;
}

}  // namespace krait::io
