#include "bundled_model.h"

#include <dlfcn.h>

namespace fs = std::filesystem;

namespace krait::ecg {

std::filesystem::path bundledModel() {
  const fs::path name = "models/ecg-mamba-synthetic-demo";
  Dl_info self{};
  // The shared object this function is in: ecg.so, wherever the plugin was installed.
  if (dladdr(reinterpret_cast<void*>(&bundledModel), &self) && self.dli_fname) {
    const fs::path beside = fs::path(self.dli_fname).parent_path() / name;
    if (fs::exists(beside / "model.json")) return beside;
  }
  const fs::path source = fs::path(KRAIT_ECG_SOURCE_DIR) / name;
  return fs::exists(source / "model.json") ? source : fs::path();
}

}  // namespace krait::ecg
