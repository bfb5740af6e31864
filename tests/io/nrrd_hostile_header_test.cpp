// NRRD headers that announce more voxels than their data holds (issue 23's fuzzing: an 89-byte file announced
// 92 GB, which Krait allocated before ITK read a byte), made around ITK's real BrainProtonDensity3Slices voxels
// (181 x 217 x 3, 8 bits): each is refused with an input error naming the file before anything is allocated, and
// real attached, detached, listed, numbered-slice and skipping layouts still read.
#include <gtest/gtest.h>

#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "krait/base/error.h"
#include "krait/io/volume_io.h"
#include "testdata.h"

using namespace krait;
using krait::test::fileBytes;
using krait::test::TempDir;
using krait::test::testData;

namespace {

const std::string kHeader = "NRRD0004\ntype: unsigned char\ndimension: 3\nspace: left-posterior-superior\n"
                            "space directions: (1,0,0) (0,1,0) (0,0,1)\nspace origin: (0,0,0)\n";

std::string voxels() { return fileBytes(testData("nifti-itk/BrainProtonDensity3Slices.raw")); }

std::string gzipped(const std::string& bytes) {
  uLongf size = compressBound(bytes.size()) + 32;
  std::string out(size, '\0');
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);  // 15 + 16: a gzip wrapper, as NrrdIO writes
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(size);
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

void write(const std::filesystem::path& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

// The refusal's message, after checking that it is an input error naming `path`; "" when the file reads.
std::string refusal(const std::filesystem::path& path) {
  try {
    io::readVolume(path);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Input) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind(path.string() + ": ", 0), 0u) << e.what();
    return e.what();
  }
  return "";
}

}  // namespace

TEST(NrrdHostileHeader, ASmallFileAnnouncingGigabytesIsRefusedBeforeAllocation) {
  TempDir dir;
  // The fuzzer's file: 186666666666662 x 30 bytes behind one byte of "gzip".
  write(dir / "huge.nrrd", "NRRD0004\ntype: unsigned char\ndimension: 2\nsizes: 186666666666662 30\nencoding: gzip\n\n\xa2");
  EXPECT_NE(refusal(dir / "huge.nrrd").find("gzip voxel data in " + (dir / "huge.nrrd").string() + " is truncated or corrupt"),
            std::string::npos);
  // 820 MB behind six bytes of a gzip stream (the fuzzer's slow input: seconds of zero-filling).
  write(dir / "slow.nrrd", kHeader + "sizes: 91 217 41530\nencoding: gzip\n\n" + gzipped(voxels()).substr(0, 6));
  EXPECT_NE(refusal(dir / "slow.nrrd").find("is truncated or corrupt"), std::string::npos);
  // The real voxels, gzip'd, under a header asking for a thousand times as many slices.
  write(dir / "more.nrrd", kHeader + "sizes: 181 217 3000\nencoding: gzip\n\n" + gzipped(voxels()));
  EXPECT_NE(refusal(dir / "more.nrrd").find("gzip voxel data is truncated (117831 of 117831000 bytes)"), std::string::npos);
}

TEST(NrrdHostileHeader, CorruptGzipDataIsRefusedBeforeNrrdIoReadsIt) {
  // NrrdIO leaks its gzip stream on a corrupt one (fuzz_nrrd: 4 GB after 446,000 bad files).
  TempDir dir;
  std::string gz = gzipped(voxels());
  for (std::size_t k = gz.size() / 3; k < gz.size() / 3 + 64; ++k) gz[k] = static_cast<char>(~gz[k]);
  write(dir / "corrupt.nrrd", kHeader + "sizes: 181 217 3\nencoding: gzip\n\n" + gz);
  EXPECT_NE(refusal(dir / "corrupt.nrrd").find("is truncated or corrupt"), std::string::npos);
  write(dir / "cut.nrrd", kHeader + "sizes: 181 217 3\nencoding: gzip\n\n" + gzipped(voxels()).substr(0, 2000));
  EXPECT_NE(refusal(dir / "cut.nrrd").find("is truncated or corrupt"), std::string::npos);
}

TEST(NrrdHostileHeader, RawHexAndAsciiDataMustHoldWhatTheHeaderAnnounces) {
  TempDir dir;
  const std::string half = voxels().substr(0, voxels().size() / 2);
  write(dir / "raw.nrrd", kHeader + "sizes: 181 217 3\nencoding: raw\n\n" + half);
  EXPECT_NE(refusal(dir / "raw.nrrd").find("voxel data is truncated (58915 of 117831 bytes)"), std::string::npos);
  write(dir / "hex.nrrd", kHeader + "sizes: 181 217 3\nencoding: hex\n\n" + half);
  EXPECT_NE(refusal(dir / "hex.nrrd").find("of hex data can hold"), std::string::npos);
  write(dir / "ascii.nrrd", kHeader + "sizes: 181 217 3000\nencoding: ascii\n\n1 2 3\n");
  EXPECT_NE(refusal(dir / "ascii.nrrd").find("of ascii data can hold"), std::string::npos);
  // A byte skip counts against the data.
  write(dir / "skip.nrrd", kHeader + "sizes: 181 217 3\nencoding: raw\nbyte skip: 100\n\n" + voxels());
  EXPECT_NE(refusal(dir / "skip.nrrd").find("voxel data is truncated (117731 of 117831 bytes)"), std::string::npos);
}

TEST(NrrdHostileHeader, DetachedDataMustBeFilesThatExist) {
  TempDir dir;
  std::filesystem::create_directory(dir / "folder.raw");
  write(dir / "folder.nhdr", kHeader + "sizes: 181 217 3\nencoding: raw\ndata file: folder.raw\n");
  EXPECT_NE(refusal(dir / "folder.nhdr").find("voxel data file " + (dir / "folder.raw").string() + " is not a file"),
            std::string::npos);
  write(dir / "device.nhdr", kHeader + "sizes: 181 217 3\nencoding: raw\ndata file: /dev/zero\n");
  EXPECT_NE(refusal(dir / "device.nhdr").find("voxel data file /dev/zero is not a file"), std::string::npos);
  write(dir / "bzip2.nrrd", kHeader + "sizes: 181 217 3\nencoding: bzip2\n\nBZh9");
  EXPECT_NE(refusal(dir / "bzip2.nrrd").find("bzip2-encoded voxel data"), std::string::npos);
}

TEST(NrrdHostileHeader, AttachedDetachedListedAndNumberedSlicesStillRead) {
  TempDir dir;
  const std::string all = voxels();
  const std::size_t slice = 181 * 217;
  for (int k = 0; k < 3; ++k) write(dir / ("slice" + std::to_string(k) + ".raw"), all.substr(k * slice, slice));
  write(dir / "whole.raw", all);
  write(dir / "attached.nrrd", kHeader + "sizes: 181 217 3\nencoding: gzip\n\n" + gzipped(all));
  write(dir / "detached.nhdr", kHeader + "sizes: 181 217 3\nencoding: raw\ndata file: whole.raw\n");
  write(dir / "listed.nhdr", kHeader + "sizes: 181 217 3\nencoding: raw\ndata file: LIST\nslice0.raw\nslice1.raw\nslice2.raw\n");
  write(dir / "numbered.nhdr", kHeader + "sizes: 181 217 3\nencoding: raw\ndata file: slice%d.raw 0 2 1 2\n");
  // Two lines before the gzip stream, then eight bytes inside it, skipped.
  write(dir / "skipped.gz", "two\nlines\n" + gzipped(std::string(8, '\0') + all));
  write(dir / "skipped.nhdr", kHeader + "sizes: 181 217 3\nencoding: gzip\nline skip: 2\nbyte skip: 8\ndata file: skipped.gz\n");
  for (const char* name : {"attached.nrrd", "detached.nhdr", "listed.nhdr", "numbered.nhdr", "skipped.nhdr"}) {
    SCOPED_TRACE(name);
    const Volume v = io::readVolume(dir / name);
    ASSERT_EQ(v.byteSize(), all.size());
    EXPECT_EQ(std::string(static_cast<const char*>(v.data()), v.byteSize()), all);
  }
  // One slice missing from the numbered form.
  std::filesystem::remove(dir / "slice2.raw");
  EXPECT_FALSE(refusal(dir / "numbered.nhdr").empty());
}
