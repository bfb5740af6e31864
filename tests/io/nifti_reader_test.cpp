// Krait's own NIfTI reader (libdeflate) against ITK's for every catalogue NIfTI-1 file it takes, and for a gzip
// stream of several members.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <fstream>

#include "itk_volume_io.h"
#include "krait/io/volume_io.h"
#include "nifti_header.h"
#include "testdata.h"

using namespace krait;
using krait::test::testData;

namespace {

void expectSameVolume(const Volume& got, const Volume& want) {
  ASSERT_EQ(got.pixelType(), want.pixelType());
  ASSERT_EQ(got.components(), want.components());
  ASSERT_EQ(got.geometry().size, want.geometry().size);
  for (int a = 0; a < 3; ++a) {
    EXPECT_NEAR(got.geometry().spacing[a], want.geometry().spacing[a], 1e-5) << "spacing " << a;
    EXPECT_NEAR(got.geometry().origin[a], want.geometry().origin[a], 1e-4) << "origin " << a;
    for (int r = 0; r < 3; ++r)
      EXPECT_NEAR(got.geometry().direction[r][a], want.geometry().direction[r][a], 1e-5) << "direction " << r << a;
  }
  ASSERT_EQ(got.byteSize(), want.byteSize());
  EXPECT_EQ(std::memcmp(got.data(), want.data(), got.byteSize()), 0) << "voxel bytes differ";
}

}  // namespace

TEST(NiftiReader, ReadsWhatItkReadsForEveryOrientedNifti1File) {
  int taken = 0;
  for (const char* file : {"nifti-mricron/ch2.nii.gz", "nifti-mricron/ch2bet.nii.gz", "nifti-mricron/aal.nii.gz",
                           "nifti-mricron/brodmann.nii.gz", "nifti-mricron/JHU-WhiteMatter-labels-2mm.nii.gz",
                           "nifti-itk/KmeansTest_T1UCharRaw.nii.gz", "nifti-itk/KmeansTest_T1RawSkullStrip.nii.gz",
                           "nifti-itk/KmeansTest_T1KmeansPrelimSegmentation.nii.gz", "nifti-nibabel/anatomical.nii",
                           "nifti-nibabel/example4d.nii.gz", "nifti-nibabel/functional.nii",
                           "nifti-nibabel/standard.nii.gz"}) {
    SCOPED_TRACE(file);
    const auto path = testData(file);
    const io::NiftiHeader header = io::readNiftiHeader(path);
    if (!io::readsWithoutItk(header)) continue;
    ++taken;
    expectSameVolume(io::readNiftiVolume(path, header, nullptr), io::readItkVolume(path, io::FileFormat::Nifti, nullptr));
  }
  EXPECT_GE(taken, 10);  // all but files without orientation or with voxels Krait's reader leaves to ITK
}

TEST(NiftiReader, ReadsAGzipStreamOfSeveralMembers) {
  // bgzip and `cat a.gz b.gz` write several members (as Krait does: nifti_gzip_test.cpp); libdeflate reads each.
  const auto source = testData("nifti-itk/KmeansTest_T1UCharRaw.nii.gz");
  std::vector<char> plain;
  {
    gzFile in = gzopen(source.c_str(), "rb");
    ASSERT_NE(in, nullptr);
    char chunk[65536];
    int n;
    while ((n = gzread(in, chunk, sizeof chunk)) > 0) plain.insert(plain.end(), chunk, chunk + n);
    gzclose(in);
  }
  const auto path = std::filesystem::temp_directory_path() / ("krait-members-" + std::to_string(::getpid()) + ".nii.gz");
  const std::size_t half = plain.size() / 2;
  for (const auto& [begin, mode] : {std::pair<std::size_t, const char*>{0, "wb"}, {half, "ab"}}) {
    gzFile out = gzopen(path.c_str(), mode);
    ASSERT_NE(out, nullptr);
    const std::size_t end = begin == 0 ? half : plain.size();
    ASSERT_EQ(gzwrite(out, plain.data() + begin, static_cast<unsigned>(end - begin)), static_cast<int>(end - begin));
    gzclose(out);
  }
  expectSameVolume(io::readVolume(path), io::readVolume(source));
  std::filesystem::remove(path);
}
