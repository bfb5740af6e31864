// .safetensors files read by parseSafetensors (the bytes readSafetensors reads), which promises Error(Input).
#include <string>

#include "krait/base/error.h"
#include "krait/models/checkpoint/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    krait::models::parseSafetensors(std::string(reinterpret_cast<const char*>(data), size), "model.safetensors");
  } catch (const krait::Error&) {
  }
  return 0;
}
