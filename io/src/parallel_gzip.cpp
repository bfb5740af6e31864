#include "parallel_gzip.h"

#include <libdeflate.h>

#include <cerrno>
#include <cstdio>
#include <deque>
#include <fstream>
#include <future>
#include <memory>
#include <new>
#include <system_error>
#include <vector>

#include "krait/base/cpu_cores.h"
#include "krait/base/error.h"

namespace fs = std::filesystem;

namespace krait::io {

namespace {

// Pieces this size make a mask 0.8% larger than one member would, and a 512 x 512 x 300 mask 75 of them: enough
// to keep many cores busy to the end.
constexpr std::size_t kPieceBytes = std::size_t{1} << 20;
// On a CT's mask in 1 MiB pieces, libdeflate's level 6 is 2.7% larger than zlib 6 for 0.6 times its CPU time
// (label noise: 10% smaller, 0.4 times); level 7 would be 5.7% smaller than zlib 6 for 10% more time than level 6
// (docs/benchmarks.md, issue 24).
constexpr int kLevel = 6;

std::vector<char> readPiece(std::ifstream& in) {
  std::vector<char> piece(kPieceBytes);
  in.read(piece.data(), static_cast<std::streamsize>(piece.size()));
  piece.resize(static_cast<std::size_t>(in.gcount()));
  return piece;
}

std::vector<char> gzipMember(const std::vector<char>& piece) {
  const std::unique_ptr<libdeflate_compressor, decltype(&libdeflate_free_compressor)> c(
      libdeflate_alloc_compressor(kLevel), &libdeflate_free_compressor);
  if (!c) throw std::bad_alloc();
  std::vector<char> member(libdeflate_gzip_compress_bound(c.get(), piece.size()));
  member.resize(libdeflate_gzip_compress(c.get(), piece.data(), piece.size(), member.data(), member.size()));
  return member;
}

// The words of the batch's full-disk stop (docs/cli.md), as for a volume ITK wrote short (written_check.h).
Error writeFailure(const std::string& shownName, int err) {
  if (err == ENOSPC) return outputError(shownName, "was written incompletely (no space left on the device)");
  return outputError(shownName, "cannot write: " + std::generic_category().message(err));
}

struct CloseFile {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

void gzipFile(const fs::path& from, const fs::path& to, int threads, const std::string& shownName) {
  std::ifstream in(from, std::ios::binary);
  if (!in) throw outputError(shownName, "cannot write: cannot read back the uncompressed file");
  std::unique_ptr<std::FILE, CloseFile> out(std::fopen(to.c_str(), "wb"));
  if (!out) throw writeFailure(shownName, errno);
  // Pieces are read and members written in order while up to `inFlight` others are compressed.
  const std::size_t inFlight = static_cast<std::size_t>(threads > 0 ? threads : availableCores());
  std::deque<std::future<std::vector<char>>> members;
  const auto writeOldest = [&] {
    const std::vector<char> member = members.front().get();
    members.pop_front();
    if (std::fwrite(member.data(), 1, member.size(), out.get()) != member.size()) throw writeFailure(shownName, errno);
  };
  for (std::vector<char> piece = readPiece(in); !piece.empty(); piece = readPiece(in)) {
    if (members.size() == inFlight) writeOldest();
    members.push_back(std::async(std::launch::async, gzipMember, std::move(piece)));
  }
  while (!members.empty()) writeOldest();
  if (in.bad()) throw outputError(shownName, "cannot write: cannot read back the uncompressed file");
  if (std::fclose(out.release()) != 0) throw writeFailure(shownName, errno);
}

}  // namespace krait::io
