#pragma once
// gzip on every core: the file is cut into 1 MiB pieces, each compressed on a thread of its own into a complete
// gzip member (libdeflate), and the members are written in order. Several members make one gzip file (RFC 1952
// 2.2, as bgzip writes them): zlib's gzread (ITK's NIfTI reader), Python's gzip and nibabel, gzip -d and Krait's
// own reader (whole_file.h) read it whole. zlib on one thread spent 0.3 s on a CT's mask, most of writing it
// (docs/benchmarks.md, issue 24).
#include <filesystem>
#include <string>

namespace krait::io {

// `from` gzipped into `to` on `threads` threads (0: every core this process may run on); the bytes written do not
// depend on `threads`. Throws Error(Output) naming `shownName`, the user's path; `to` may then be half-written,
// which is why it is a staging path (AtomicOutput).
void gzipFile(const std::filesystem::path& from, const std::filesystem::path& to, int threads, const std::string& shownName);

}  // namespace krait::io
