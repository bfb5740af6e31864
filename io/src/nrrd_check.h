#pragma once
// Krait allocates a volume the size ITK's NRRD header parse reports before ITK reads the voxels, so a header that
// announces far more data than its file holds would make a small file ask for any amount of memory (fuzz_nrrd: an
// 89-byte file announced 92 GB; a 102-byte one took seconds zero-filling 820 MB). This checks, between the two, that
// the data the header points at can hold what it announces.
#include <cstdint>
#include <filesystem>

namespace krait::io {

// Throws Error(Input) naming the file when the voxel data of `header` (attached after its blank line, or in the
// detached file(s) its "data file" field names) is too short for `expectedBytes` in its encoding: raw and gzip'd
// data (inflated here, and refused when corrupt: NrrdIO leaks its gzip state then) must hold them all, hex twice
// as many characters, ASCII a character per value at least. Encodings ITK cannot decode (bzip2) are refused here,
// before anything is allocated.
void checkNrrdData(const std::filesystem::path& header, uint64_t expectedBytes);

}  // namespace krait::io
