#include "vips_support.h"

#include <vips/vips.h>

#include <mutex>
#include <stdexcept>

namespace krait::wsi {

void startVips() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (VIPS_INIT("krait")) throw std::runtime_error("libvips cannot start: " + vipsError());
  });
}

std::string vipsError() {
  std::string message = vips_error_buffer();
  vips_error_clear();
  while (!message.empty() && message.back() == '\n') message.pop_back();
  return message;
}

}  // namespace krait::wsi
