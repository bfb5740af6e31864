#pragma once
// What a compressed voxel stream inflates to, for the MetaImage and NRRD checks: ITK's readers zero-fill a stream
// that stops early (MetaIO) or leak their gzip state when it is corrupt (NrrdIO), so Krait inflates it once itself,
// without keeping the output, before ITK reads it.
#include <cstdint>
#include <filesystem>

namespace krait::io {

// The bytes the zlib or gzip stream starting at `offset` in `file` inflates to (gzip members in a row, as
// `gzip -c a b` writes them, count together); -1 when it is cut short or corrupt, or the file cannot be read.
int64_t inflatedSize(const std::filesystem::path& file, std::uint64_t offset);

}  // namespace krait::io
