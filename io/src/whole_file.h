#pragma once
// A whole file in memory, gunzipped when it is gzip data. Decompression is most of the time it takes to read a
// gzip'd CT (zlib inflates about 100 MB/s of voxels): libdeflate's whole-buffer decompression is about three
// times faster, member by member when there are several. zlib's streaming reader takes what that path does not
// (a damaged stream, or something else after the members), and says how much of it was whole.
#include <cstdint>
#include <filesystem>
#include <vector>

#include "krait/base/large_buffer.h"

namespace krait::io {

struct FileBytes {
  LargeBuffer<char> bytes;
  bool complete = true;  // false: the gzip stream is damaged or cut short; `bytes` holds what it gave
};

// expectedSize: the decompressed size the caller expects at least (sizes the buffer; a hint, not a check).
// Throws Error(Input) naming the file when it cannot be opened.
FileBytes readWholeFile(const std::filesystem::path& path, int64_t expectedSize);

}  // namespace krait::io
