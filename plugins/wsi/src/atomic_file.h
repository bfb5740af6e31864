// Whole-file writes that either complete or leave nothing: the file is written under a hidden name in its folder
// and renamed into place, so a failed write leaves no file and an existing file untouched. Errors are
// SlideError(path, why).
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace krait::wsi {

// Runs `write` on a hidden name beside `path` and renames the result over `path` only when it returns.
void writeAtomically(const std::string& path, const std::function<void(const std::string& staging)>& write);
void writeText(const std::string& path, std::string_view text);

}  // namespace krait::wsi
