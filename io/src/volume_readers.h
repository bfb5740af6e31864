#pragma once
// The registry of other volume readers (krait/io/volume_io.h's registerVolumeReader).
#include <filesystem>

#include "krait/base/volume.h"

namespace krait::io {

// Reads with the first registered reader that takes `path`; throws Error(Input) when none does.
Volume readRegistered(const std::filesystem::path& path);

}  // namespace krait::io
