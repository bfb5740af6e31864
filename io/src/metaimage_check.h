#pragma once
// ITK's MetaImage reader accepts a compressed .mha whose data stream stops early (it zero-fills); Krait
// checks the data against the header before reading.
#include <filesystem>

namespace krait::io {

// Throws Error(Input) naming the file when the voxel data is shorter than the header announces.
void checkMetaImageComplete(const std::filesystem::path& header);

}  // namespace krait::io
