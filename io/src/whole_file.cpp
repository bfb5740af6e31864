#include "whole_file.h"

#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <fstream>
#include <memory>

#include "krait/base/error.h"

namespace fs = std::filesystem;

namespace krait::io {

namespace {

LargeBuffer<char> slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw inputError(path.string(), "cannot open for reading");
  LargeBuffer<char> bytes(static_cast<std::size_t>(in.tellg()));
  in.seekg(0);
  if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size())))
    throw inputError(path.string(), "cannot read the file");
  return bytes;
}

bool isGzip(const LargeBuffer<char>& b) {
  return b.size() >= 18 && static_cast<unsigned char>(b[0]) == 0x1f && static_cast<unsigned char>(b[1]) == 0x8b;
}

// Deflate expands at most 1032-fold: a header that expects more than that of a compressed file is wrong, and
// is not taken as a size to allocate (the stream decides).
uint64_t plausibleSize(int64_t expectedSize, std::size_t compressedBytes) {
  return std::min<uint64_t>(static_cast<uint64_t>(std::max<int64_t>(expectedSize, 0)), uint64_t{1032} * compressedBytes + 1024);
}

bool startsMember(const LargeBuffer<char>& b, std::size_t at) {
  return b.size() - at >= 2 && static_cast<unsigned char>(b[at]) == 0x1f && static_cast<unsigned char>(b[at + 1]) == 0x8b;
}

// The gzip members that fill the whole file, one after another (Krait's own writer, parallel_gzip.h; bgzip;
// `cat a.gz b.gz`). False when one is damaged or cut short, or something else follows them: zlib then says how
// much it gave. The buffer starts at the size the caller expects, which is exact for a whole NIfTI file, and
// doubles when a member needs more.
bool inflateMembers(const LargeBuffer<char>& in, int64_t expectedSize, LargeBuffer<char>& out) {
  const std::unique_ptr<libdeflate_decompressor, decltype(&libdeflate_free_decompressor)> d(
      libdeflate_alloc_decompressor(), &libdeflate_free_decompressor);
  if (!d) return false;
  const uint64_t most = plausibleSize(INT64_MAX, in.size());
  out.resize(std::max<uint64_t>(plausibleSize(expectedSize, in.size()), 1));
  std::size_t read = 0, written = 0;
  while (read < in.size()) {
    if (!startsMember(in, read)) return false;
    std::size_t used = 0, produced = 0;
    const auto result = libdeflate_gzip_decompress_ex(d.get(), in.data() + read, in.size() - read, out.data() + written,
                                                      out.size() - written, &used, &produced);
    if (result == LIBDEFLATE_INSUFFICIENT_SPACE && out.size() < most) {
      out.resize(std::min<uint64_t>(2 * out.size(), most));
      continue;
    }
    if (result != LIBDEFLATE_SUCCESS) return false;
    read += used;
    written += produced;
  }
  out.resize(written);
  return true;
}

FileBytes inflateStreaming(const fs::path& path, int64_t expectedSize, std::size_t compressedBytes) {
  const std::unique_ptr<gzFile_s, decltype(&gzclose)> f(gzopen(path.c_str(), "rb"), &gzclose);
  if (!f) throw inputError(path.string(), "cannot open for reading");
  FileBytes result;
  result.bytes.reserve(plausibleSize(expectedSize, compressedBytes));
  std::vector<char> chunk(1 << 20);
  int n;
  while ((n = gzread(f.get(), chunk.data(), static_cast<unsigned>(chunk.size()))) > 0)
    result.bytes.insert(result.bytes.end(), chunk.data(), chunk.data() + n);
  int err = Z_OK;
  gzerror(f.get(), &err);
  result.complete = n == 0 && (err == Z_OK || err == Z_STREAM_END);
  return result;
}

}  // namespace

FileBytes readWholeFile(const fs::path& path, int64_t expectedSize) {
  LargeBuffer<char> raw = slurp(path);
  if (!isGzip(raw)) return {std::move(raw), true};
  LargeBuffer<char> out;
  if (inflateMembers(raw, expectedSize, out)) return {std::move(out), true};
  return inflateStreaming(path, expectedSize, raw.size());
}

}  // namespace krait::io
