#include "krait/base/installed_data.h"

#include <dlfcn.h>

namespace fs = std::filesystem;

namespace krait {

fs::path loadedObjectFolder(const void* address) {
  Dl_info info{};
  if (!dladdr(address, &info) || !info.dli_fname) return {};
  // The loader names a library by the path its search took (RUNPATH $ORIGIN/../lib: /usr/bin/../lib/libkrait.so.0):
  // the folder as the file system names it, for messages that show it (krait plugins list).
  const fs::path folder = fs::path(info.dli_fname).parent_path();
  std::error_code ec;
  const fs::path resolved = fs::weakly_canonical(folder, ec);
  return ec ? folder : resolved;
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
