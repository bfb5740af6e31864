#include "inflated_size.h"

#include <zlib.h>

#include <fstream>
#include <vector>

namespace krait::io {

int64_t inflatedSize(const std::filesystem::path& file, std::uint64_t offset) {
  std::ifstream in(file, std::ios::binary);
  if (!in.seekg(static_cast<std::streamoff>(offset))) return -1;
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK) return -1;  // 15 + 32: a zlib or a gzip header, told by its first bytes
  std::vector<char> input(1 << 20);
  std::vector<Bytef> output(1 << 20);
  int64_t total = 0;
  int rc = Z_OK;
  for (;;) {
    if (z.avail_in == 0) {
      in.read(input.data(), static_cast<std::streamsize>(input.size()));
      z.next_in = reinterpret_cast<Bytef*>(input.data());
      z.avail_in = static_cast<uInt>(in.gcount());
      if (z.avail_in == 0) break;  // the file ended
    }
    if (rc == Z_STREAM_END) {
      // Another gzip member may follow; anything else after the stream is left alone, as gzip does.
      if (z.avail_in < 2 || z.next_in[0] != 0x1f || z.next_in[1] != 0x8b) break;
      inflateReset(&z);
    }
    z.next_out = output.data();
    z.avail_out = static_cast<uInt>(output.size());
    rc = inflate(&z, Z_NO_FLUSH);
    total += static_cast<int64_t>(output.size() - z.avail_out);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) break;  // corrupt
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END ? total : -1;
}

}  // namespace krait::io
