// A stored model's manifest.json read by readManifest, which promises Error(Input) naming the file and field.
#include <filesystem>

#include "fuzz_input.h"
#include "krait/base/error.h"
#include "krait/models/nnunet/model_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::filesystem::create_directories(krait::fuzz::scratchFolder() / "model");
  krait::fuzz::writeInput(data, size, "model/manifest.json");
  try {
    krait::models::readManifest(krait::fuzz::scratchFolder() / "model");
  } catch (const krait::Error&) {
  }
  return 0;
}
