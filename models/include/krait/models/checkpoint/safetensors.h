#pragma once
// .safetensors files (Hugging Face's format: a JSON header, then raw little-endian tensors).
#include <filesystem>
#include <string>

#include "krait/models/checkpoint/torch_save.h"

namespace krait::models {

// Every tensor of a .safetensors file (F64/F32/F16/BF16, I64/I32/I16/I8, U8, BOOL). Throws Error(Input) naming
// the file for anything malformed.
StateDict readSafetensors(const std::filesystem::path& path);
// The same from the file's bytes; `path` names it in errors.
StateDict parseSafetensors(const std::string& bytes, const std::filesystem::path& path);

}  // namespace krait::models
