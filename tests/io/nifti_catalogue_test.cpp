// Every NIfTI file of the test catalogue loads with the geometry and voxels its own header describes.
#include <gtest/gtest.h>

#include <cmath>

#include "krait/io/volume_io.h"
#include "nifti_reference.h"
#include "testdata.h"

using namespace krait;
using krait::test::testData;

namespace {

class NiftiCatalogue : public ::testing::TestWithParam<const char*> {};

void expectGeometryNear(const Geometry& got, const Geometry& want, double tol) {
  EXPECT_EQ(got.size, want.size);
  for (int a = 0; a < 3; ++a) {
    EXPECT_NEAR(got.spacing[a], want.spacing[a], tol) << "spacing " << a;
    EXPECT_NEAR(got.origin[a], want.origin[a], tol) << "origin " << a;
    for (int r = 0; r < 3; ++r) EXPECT_NEAR(got.direction[r][a], want.direction[r][a], tol) << "direction " << r << a;
  }
}

}  // namespace

TEST_P(NiftiCatalogue, GeometryAndVoxelsMatchTheHeader) {
  const auto path = testData(GetParam());
  const test::NiftiReference ref = test::readNiftiReference(path);
  std::vector<std::string> notes;
  const Volume v = io::readVolume(path, {}, &notes);

  expectGeometryNear(v.geometry(), ref.geometry, 1e-4);
  const int64_t channels = ref.dims.size() > 3 ? ref.dims[3] : 1;
  EXPECT_EQ(v.components(), channels);
  ASSERT_EQ(v.elementCount(), ref.values.size());
  // Channel-major storage equals NIfTI's file order (x fastest, then y, z, t).
  std::size_t mismatches = 0;
  for (std::size_t n = 0; n < ref.values.size(); ++n) {
    const double got = dispatchPixelType(v.pixelType(), [&](auto t) {
      return static_cast<double>(static_cast<const decltype(t)*>(v.data())[n]);
    });
    if (std::abs(got - ref.values[n]) > 1e-5 * std::max(1.0, std::abs(ref.values[n]))) ++mismatches;
  }
  EXPECT_EQ(mismatches, 0u) << "of " << ref.values.size() << " voxels";
  if (channels > 1) {
    EXPECT_FALSE(notes.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Files, NiftiCatalogue,
    ::testing::Values("nifti-mricron/ch2.nii.gz", "nifti-mricron/ch2bet.nii.gz", "nifti-mricron/aal.nii.gz",
                      "nifti-mricron/brodmann.nii.gz", "nifti-mricron/JHU-WhiteMatter-labels-2mm.nii.gz",
                      "nifti-itk/KmeansTest_T1UCharRaw.nii.gz", "nifti-itk/KmeansTest_T1RawSkullStrip.nii.gz",
                      "nifti-itk/KmeansTest_T1KmeansPrelimSegmentation.nii.gz", "nifti-nibabel/anatomical.nii",
                      "nifti-nibabel/example4d.nii.gz", "nifti-nibabel/functional.nii",
                      "nifti-nibabel/example_nifti2.nii.gz", "nifti-nibabel/standard.nii.gz"),
    [](const auto& param) {
      std::string name = std::filesystem::path(param.param).filename().string();
      for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      return name;
    });

TEST(NiftiCatalogue, ReferenceReaderSeesTheCasesItIsMeantToCover) {
  // Guards the parameter list above: these headers exercise the paths the issue names.
  EXPECT_TRUE(test::readNiftiReference(testData("nifti-nibabel/anatomical.nii")).bigEndian);
  EXPECT_EQ(test::readNiftiReference(testData("nifti-nibabel/example_nifti2.nii.gz")).version, 2);
  const auto functional = test::readNiftiReference(testData("nifti-nibabel/functional.nii"));
  EXPECT_NE(functional.sclSlope, 1.0);
  const auto ch2 = test::readNiftiReference(testData("nifti-mricron/ch2.nii.gz"));
  EXPECT_EQ(ch2.qformCode, 0);
  EXPECT_EQ(ch2.sformCode, 4);
}

TEST(NiftiCatalogue, Ch2IsTheColinBrainInMniSpace) {
  const Volume v = io::readVolume(testData("nifti-mricron/ch2.nii.gz"));
  EXPECT_EQ(v.geometry().size, (std::array<int64_t, 3>{181, 217, 181}));
  // sform origin (-90, -125, -71) RAS is (90, 125, -71) LPS; axes run right, anterior, superior.
  EXPECT_NEAR(v.geometry().origin[0], 90.0, 1e-6);
  EXPECT_NEAR(v.geometry().origin[1], 125.0, 1e-6);
  EXPECT_NEAR(v.geometry().origin[2], -71.0, 1e-6);
  EXPECT_EQ(orientationCode(v.geometry().direction), "RAS");
  EXPECT_EQ(v.valueRange().max, 254);
}
