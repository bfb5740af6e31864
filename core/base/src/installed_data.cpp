#include "krait/base/installed_data.h"

#include <dlfcn.h>

namespace fs = std::filesystem;

namespace krait {

fs::path loadedObjectFolder(const void* address) {
  Dl_info info{};
  if (dladdr(address, &info) && info.dli_fname) return fs::path(info.dli_fname).parent_path();
  return {};
}

fs::path installedOrSourcePath(const void* address, const fs::path& fromLibrary, const fs::path& inSources) {
  std::error_code ec;
  if (const fs::path library = loadedObjectFolder(address); !library.empty()) {
    const fs::path installed = (library / fromLibrary).lexically_normal();
    if (fs::exists(installed, ec)) return installed;
  }
  if (fs::exists(inSources, ec)) return inSources;
  return {};
}

}  // namespace krait
