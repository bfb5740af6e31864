// Label names and colours beside a label map: the catalogue's real atlas tables (AAL's names and MRIcron
// colour table, JHU's names) and the formats of ITK-SNAP, 3D Slicer and FreeSurfer.
#include <gtest/gtest.h>

#include <fstream>

#include "krait/base/error.h"
#include "label_table.h"
#include "segments.h"
#include "testdata.h"

namespace fs = std::filesystem;
using namespace krait::studio;

TEST(LabelTable, TheAalAtlasNamesAndColoursFromTheFilesBesideIt) {
  const fs::path atlas = krait::test::testData("nifti-mricron/aal.nii.gz");
  krait::test::testData("nifti-mricron/aal.nii.txt");
  krait::test::testData("nifti-mricron/aal.nii.lut");
  std::vector<fs::path> found;
  const auto table = labelTableBeside(atlas, &found);
  ASSERT_EQ(found.size(), 2u);  // aal.nii.txt and aal.nii.lut
  ASSERT_EQ(table.size(), 255u);  // the colour table covers 1..255, the names 1..116
  EXPECT_EQ(table[0].value, 1);
  EXPECT_EQ(table[0].name, "Precentral L");
  EXPECT_EQ(table[115].name, "Vermis 10");
  EXPECT_TRUE(table[0].colour.has_value());
  EXPECT_TRUE(table[200].name.empty());  // coloured, not named

  // In the segment table: the 116 named labels, each with the atlas's colour.
  Segments segments;
  segments.describe(table);
  const auto rows = segments.rows({});
  ASSERT_EQ(rows.size(), 116u);
  EXPECT_EQ(rows[1].name, "Precentral R");
  const auto lut = *table[1].colour;
  EXPECT_EQ(rows[1].colour.r, lut[0]);
  EXPECT_EQ(rows[1].colour.g, lut[1]);
  EXPECT_EQ(rows[1].colour.b, lut[2]);
}

TEST(LabelTable, TheJhuAtlasNamesWithTabsAndABackgroundLine) {
  const auto table = readLabelTable(krait::test::testData("nifti-mricron/JHU-WhiteMatter-labels-2mm.nii.txt"));
  ASSERT_EQ(table.size(), 48u);  // "0 Unclassified" is the background, not a label
  EXPECT_EQ(table[0].name, "Middle cerebellar peduncle");
  EXPECT_FALSE(table[0].colour.has_value());
}

TEST(LabelTable, ItkSnapSlicerAndFreeSurferTables) {
  const krait::test::TempDir d;
  std::ofstream(d / "snap.txt") << "################################################\n"
                                   "# ITK-SnAP Label Description File\n"
                                   "    0     0    0    0        0  0  0    \"Clear Label\"\n"
                                   "    1   255    0    0        1  1  1    \"Left ventricle\"\n"
                                   "    2     0  255    0        1  1  1    \"Right ventricle\"\n";
  std::ofstream(d / "slicer.ctbl") << "# Color table file\n# 2 values\n0 background 0 0 0 0\n3 liver 221 130 101 255\n";
  std::ofstream(d / "FreeSurferColorLUT.txt") << "#No. Label Name:                            R   G   B   A\n\n"
                                                 "0   Unknown                                 0   0   0   0\n"
                                                 "17  Left-Hippocampus                        220 216 20  0\n";
  auto t = readLabelTable(d / "snap.txt");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].name, "Left ventricle");
  EXPECT_EQ(*t[1].colour, (std::array<int, 3>{0, 255, 0}));
  t = readLabelTable(d / "slicer.ctbl");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].value, 3);
  EXPECT_EQ(*t[0].colour, (std::array<int, 3>{221, 130, 101}));
  t = readLabelTable(d / "FreeSurferColorLUT.txt");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].name, "Left-Hippocampus");

  std::ofstream(d / "notes.txt") << "this is not a label table\n";
  EXPECT_THROW(readLabelTable(d / "notes.txt"), krait::Error);
  EXPECT_TRUE(labelTableBeside(d / "nothing.nii.gz").empty());
}

TEST(LabelTable, RenamingInTheSegmentTable) {
  Segments segments;
  segments.rename(3, "tumour");
  EXPECT_EQ(segments.name(3), "tumour");
  segments.rename(3, "");
  EXPECT_EQ(segments.name(3), "Label 3");
}
