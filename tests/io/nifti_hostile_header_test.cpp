// NIfTI headers that once reached undefined behaviour or an allocation sized by the header alone (issue 23's
// fuzzing), made from real catalogue files: each is refused with an input error naming the file, and nothing is
// allocated for voxels that the file does not hold.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

#include "krait/base/error.h"
#include "krait/base/process_memory.h"
#include "krait/io/volume_io.h"
#include "testdata.h"

using namespace krait;
using krait::test::fileBytes;
using krait::test::TempDir;
using krait::test::testData;

namespace {

// functional.nii is little-endian NIfTI-1; a field is written in its byte order.
template <typename T> void put(std::string& bytes, std::size_t offset, T value) {
  std::memcpy(bytes.data() + offset, &value, sizeof value);
}

std::string refusal(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  try {
    io::readVolume(path);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Input) << e.what();
    EXPECT_NE(std::string(e.what()).find(path.filename().string()), std::string::npos) << e.what();
    return e.what();
  }
  return "accepted";
}

}  // namespace

TEST(NiftiHostileHeader, VoxOffsetThatIsNoNumberIsRefused) {
  TempDir dir;
  const std::string real = fileBytes(testData("nifti-nibabel/functional.nii"));
  for (const float offset : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(), 1e30f, -1e30f}) {
    std::string bytes = real;
    put(bytes, 108, offset);
    EXPECT_NE(refusal(dir / "offset.nii", bytes).find("vox_offset is not a file offset"), std::string::npos) << offset;
  }
}

TEST(NiftiHostileHeader, SizesWhoseProductOverflowsAreRefused) {
  TempDir dir;
  std::string bytes = fileBytes(testData("nifti-nibabel/functional.nii"));
  put<int16_t>(bytes, 40, 7);
  for (int i = 1; i <= 7; ++i) put<int16_t>(bytes, 40 + 2 * i, 32767);  // 32767^7 voxels: beyond int64
  EXPECT_NE(refusal(dir / "overflow.nii", bytes).find("image size is beyond any file"), std::string::npos);
}

TEST(NiftiHostileHeader, AHugeImageInASmallFileAllocatesNothing) {
  TempDir dir;
  std::string bytes = fileBytes(testData("nifti-nibabel/functional.nii"));
  put<int16_t>(bytes, 40, 3);
  for (int i = 1; i <= 3; ++i) put<int16_t>(bytes, 40 + 2 * i, 32000);  // 32.8 G voxels announced, 43 KB present
  put<int16_t>(bytes, 70, 2);                                              // uint8
  put<int16_t>(bytes, 72, 8);
  resetPeakMemory();
  EXPECT_NE(refusal(dir / "huge.nii", bytes).find("truncated"), std::string::npos);
  EXPECT_LT(peakResidentGiB(), 2.0) << "the reader allocated for voxels the file does not hold";
}

TEST(NiftiHostileHeader, AGzipTrailerThatLiesAboutTheSizeAllocatesNothing) {
  TempDir dir;
  std::string bytes = fileBytes(testData("nifti-mricron/JHU-WhiteMatter-labels-2mm.nii.gz"));
  std::fill(bytes.end() - 4, bytes.end(), '\xff');  // ISIZE: 4 GiB - 1 bytes for an 8 KB file
  resetPeakMemory();
  const std::string why = refusal(dir / "isize.nii.gz", bytes);
  EXPECT_NE(why.find("truncated or corrupt"), std::string::npos) << why;
  EXPECT_LT(peakResidentGiB(), 2.0) << "the reader allocated what the trailer claims";
}

TEST(NiftiHostileHeader, ANonFiniteOrientationIsRefusedBeforeItkSeesIt) {
  // ITK's reader aborted the process (vnl's assert_finite in an SVD) on such an sform.
  TempDir dir;
  const std::string real = fileBytes(testData("nifti-nibabel/functional.nii"));
  std::string bytes = real;
  put<int16_t>(bytes, 252, 0);  // no qform
  put<int16_t>(bytes, 254, 2);  // the sform, aligned to another scan
  put(bytes, 280, std::numeric_limits<float>::quiet_NaN());
  EXPECT_NE(refusal(dir / "sform.nii", bytes).find("sform holds a value that is not finite or beyond 10^9 mm"), std::string::npos);
  // 1.7e38 kept ITK's SVD busy for minutes.
  put(bytes, 280, -1.7014118e38f);
  EXPECT_NE(refusal(dir / "huge.nii", bytes).find("sform holds a value that is not finite or beyond 10^9 mm"), std::string::npos);
  bytes = real;
  put<int16_t>(bytes, 252, 1);
  put(bytes, 256, std::numeric_limits<float>::infinity());  // quatern_b
  EXPECT_NE(refusal(dir / "qform.nii", bytes).find("qform holds a value that is not finite or beyond 10^9 mm"), std::string::npos);
}

TEST(NiftiHostileHeader, ADimZeroThatNiftilibTakesForTheOtherByteOrderIsRefused) {
  // niftilib reads every field swapped when dim[0] is not 1..7: Krait's check of the sizes would not hold for ITK.
  TempDir dir;
  std::string bytes = fileBytes(testData("nifti-nibabel/functional.nii"));
  put<int16_t>(bytes, 40, 768);
  EXPECT_NE(refusal(dir / "rank.nii", bytes).find("dim[0] is 768, not 1 to 7"), std::string::npos);
  // niftilib sizes voxels by the datatype: float64 with bitpix 8 would read 8 times the bytes checked.
  bytes = fileBytes(testData("nifti-nibabel/functional.nii"));
  put<int16_t>(bytes, 70, 64);
  put<int16_t>(bytes, 72, 8);
  EXPECT_NE(refusal(dir / "bitpix.nii", bytes).find("bits per voxel (8) do not match datatype 64 (64 bits)"), std::string::npos);
}
