// A .nii.gz as Krait writes it (io/src/parallel_gzip.h): gzip members compressed in parallel, which Krait's reader,
// ITK's, Python's gzip and nibabel read whole; the same bytes on any number of threads. Krait's reader refuses a
// member cut short and reads past members beyond the header's size; a disk that fills while compressing is an
// output error that leaves the previous file.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <numeric>
#include <random>

#include "itk_volume_io.h"
#include "krait/base/error.h"
#include "krait/io/volume_io.h"
#include "tmpfs.h"
#include "nifti_reference.h"
#include "run_program.h"
#include "testdata.h"

namespace fs = std::filesystem;
using namespace krait;
using krait::test::fileBytes;
using krait::test::TempDir;
using krait::test::Tmpfs;

namespace {

// 3 MiB of labels 1..14 in boxes on 0 with some noise, so that every 1 MiB member holds something to compress;
// oblique and anisotropic, so that a lost affine would show.
Volume labelMap() {
  Geometry g;
  g.size = {256, 256, 48};
  g.spacing = {0.8, 0.9, 2.5};
  g.origin = {-120.5, 30.25, 400.0};
  const double c = std::cos(0.3), s = std::sin(0.3);
  g.direction = {{{c, -s, 0.0}, {s, c, 0.0}, {0.0, 0.0, 1.0}}};
  Volume v(g, PixelType::UInt8);
  uint8_t* p = v.as<uint8_t>();
  std::mt19937 rng(3);
  for (int64_t z = 0; z < g.size[2]; ++z)
    for (int64_t y = 0; y < g.size[1]; ++y)
      for (int64_t x = 0; x < g.size[0]; ++x)
        *p++ = rng() % 64 == 0 ? static_cast<uint8_t>(rng() % 15) : static_cast<uint8_t>((x / 40 + y / 40 + z / 8) % 15);
  return v;
}

// The gzip members in a file, or -1 when one does not end cleanly.
int gzipMembers(const std::string& bytes) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return -1;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  std::vector<Bytef> sink(1 << 16);
  int members = 0;
  int rc = Z_OK;
  while (z.avail_in > 0 && (rc == Z_OK || rc == Z_STREAM_END)) {
    z.next_out = sink.data();
    z.avail_out = static_cast<uInt>(sink.size());
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
      ++members;
      inflateReset(&z);
    }
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END ? members : -1;
}

void writeBytes(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void expectSameVolume(const Volume& got, const Volume& want) {
  EXPECT_TRUE(got.sameVoxels(want));
  EXPECT_TRUE(got.geometry().sameAs(want.geometry(), 1e-5));
}

}  // namespace

TEST(NiftiGzip, SeveralMembersThatKraitAndItkReadWhole) {
  const Volume mask = labelMap();
  TempDir dir;
  const std::string note = "krait nifti_gzip_test";
  io::writeVolume(mask, dir / "mask.nii.gz", {note});
  io::writeVolume(mask, dir / "mask.nii", {note});
  EXPECT_EQ(gzipMembers(fileBytes(dir / "mask.nii.gz")), 4);  // header and 3 MiB of voxels, in 1 MiB pieces
  // The stream is the file ITK writes uncompressed, descrip included.
  const std::vector<char> inflated = test::readMaybeGzipped(dir / "mask.nii.gz");
  EXPECT_TRUE(std::string(inflated.begin(), inflated.end()) == fileBytes(dir / "mask.nii"));
  expectSameVolume(io::readVolume(dir / "mask.nii.gz"), mask);  // Krait's reader (libdeflate), oriented file
  expectSameVolume(io::readItkVolume(dir / "mask.nii.gz", io::FileFormat::Nifti, nullptr), mask);
  EXPECT_EQ(test::readNiftiReference(dir / "mask.nii.gz").description, note);
  // Without a description the file is compressed the same way.
  io::writeVolume(mask, dir / "plain.nii.gz");
  EXPECT_EQ(gzipMembers(fileBytes(dir / "plain.nii.gz")), 4);
  expectSameVolume(io::readVolume(dir / "plain.nii.gz"), mask);
}

TEST(NiftiGzip, PythonsGzipAndNibabelReadItWhole) {
  const Volume mask = labelMap();
  TempDir dir;
  io::writeVolume(mask, dir / "mask.nii.gz");
  io::writeVolume(mask, dir / "mask.nii");
  // nibabel (Debian's python3-nibabel, scripts/install-deps.sh) reads the members as the uncompressed file.
  const char* script = R"(
import gzip, sys, nibabel, numpy
gz, nii = sys.argv[1:3]
assert gzip.decompress(open(gz, 'rb').read()) == open(nii, 'rb').read(), 'gzip'
a, b = nibabel.load(gz), nibabel.load(nii)
assert numpy.array_equal(a.affine, b.affine), 'affine'
voxels = numpy.asarray(a.dataobj)
assert numpy.array_equal(voxels, numpy.asarray(b.dataobj)), 'voxels'
print(*voxels.shape, int(voxels.sum(dtype=numpy.int64)))
)";
  const test::CliResult r =
      test::runProgram("/usr/bin/python3", {"-c", script, (dir / "mask.nii.gz").string(), (dir / "mask.nii").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const uint8_t* p = mask.as<uint8_t>();
  const int64_t sum = std::accumulate(p, p + mask.byteSize(), int64_t{0});
  EXPECT_EQ(r.out, "256 256 48 " + std::to_string(sum) + "\n");
}

TEST(NiftiGzip, TheBytesDoNotDependOnTheThreadCount) {
  const Volume mask = labelMap();
  TempDir dir;
  io::writeVolume(mask, dir / "one.nii.gz", {"", 1});
  for (int threads : {2, 3, 8}) {
    io::writeVolume(mask, dir / "many.nii.gz", {"", threads});
    EXPECT_EQ(fileBytes(dir / "many.nii.gz"), fileBytes(dir / "one.nii.gz")) << threads << " threads";
  }
}

TEST(NiftiGzip, AMemberCutShortIsRefused) {
  TempDir dir;
  io::writeVolume(labelMap(), dir / "whole.nii.gz");
  const std::string whole = fileBytes(dir / "whole.nii.gz");
  // In a middle member; then the last member without its length.
  for (const std::size_t keep : {whole.size() / 2, whole.size() - 4}) {
    writeBytes(dir / "cut.nii.gz", whole.substr(0, keep));
    try {
      io::readVolume(dir / "cut.nii.gz");
      ADD_FAILURE() << "a file cut to " << keep << " bytes was read";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Input);
      EXPECT_NE(std::string(e.what()).find("cut.nii.gz: compressed file is truncated or corrupt"), std::string::npos)
          << e.what();
    }
  }
}

TEST(NiftiGzip, MembersBeyondWhatTheHeaderAnnouncesAreReadPastAndIgnored) {
  // `cat a.gz a.gz`: twice the bytes the header announces, more than Krait's reader first makes room for.
  const Volume mask = labelMap();
  TempDir dir;
  io::writeVolume(mask, dir / "once.nii.gz");
  writeBytes(dir / "twice.nii.gz", fileBytes(dir / "once.nii.gz") + fileBytes(dir / "once.nii.gz"));
  expectSameVolume(io::readVolume(dir / "twice.nii.gz"), mask);
}

TEST(NiftiGzip, AFullDiskWhileCompressingIsAnOutputErrorAndKeepsThePreviousFile) {
  // Label noise does not compress: the uncompressed staging copy (1.5 MB) fits in 2 MiB, the compressed one does not.
  Geometry g;
  g.size = {128, 128, 96};
  Volume noise(g, PixelType::UInt8);
  std::mt19937 rng(5);
  for (std::size_t i = 0; i < noise.byteSize(); ++i) noise.as<uint8_t>()[i] = static_cast<uint8_t>(rng());
  TempDir dir;
  Tmpfs disk(dir / "disk", "2m");
  ASSERT_TRUE(disk.mounted());
  const fs::path target = dir / "disk" / "mask.nii.gz";
  writeBytes(target, "previous result");
  try {
    io::writeVolume(noise, target, {"krait nifti_gzip_test"});
    FAIL() << "the write succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Output);
    EXPECT_EQ(std::string(e.what()), target.string() + ": was written incompletely (no space left on the device)");
  }
  EXPECT_EQ(fileBytes(target), "previous result");
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir / "disk")) ++files;
  EXPECT_EQ(files, 1) << "the staging folder is gone";
}
