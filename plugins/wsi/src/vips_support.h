// libvips for the plugin's image files (exports.cpp, synthetic_slide.cpp): started once per process, and its error
// buffer read as a message.
#pragma once

#include <string>

namespace krait::wsi {

// VIPS_INIT once; throws std::runtime_error when libvips cannot start.
void startVips();
// libvips' error buffer, cleared, without its trailing newlines.
std::string vipsError();

}  // namespace krait::wsi
