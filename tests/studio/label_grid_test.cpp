// A label map on another grid than the image: what differs, said in words, and nearest-neighbour resampling
// onto the image's grid through patient coordinates (oblique grids included).
#include <gtest/gtest.h>

#include "krait/io/volume_io.h"
#include "label_grid.h"
#include "testdata.h"

using namespace krait;
using namespace krait::studio;

TEST(LabelGrid, SaysWhatDiffers) {
  const Volume ch2 = io::readVolume(test::testData("nifti-mricron/ch2.nii.gz"));
  const Volume aal = io::readVolume(test::testData("nifti-mricron/aal.nii.gz"));
  const Volume jhu = io::readVolume(test::testData("nifti-mricron/JHU-WhiteMatter-labels-2mm.nii.gz"));
  EXPECT_EQ(gridDifference(aal.geometry(), ch2.geometry()), "");  // the catalogue says: the same grid as ch2
  const std::string differs = gridDifference(jhu.geometry(), ch2.geometry());
  EXPECT_NE(differs.find("size 91 x 109 x 91 (image 181 x 217 x 181)"), std::string::npos) << differs;
  EXPECT_NE(differs.find("spacing 2 x 2 x 2 mm (image 1 x 1 x 1)"), std::string::npos) << differs;
}

TEST(LabelGrid, NearestNeighbourThroughPatientCoordinates) {
  // Labels on a 2 mm grid of 2 x 2 x 2 voxels, the image on a 1 mm grid of 4 x 4 x 4 over the same space.
  Geometry coarse;
  coarse.size = {2, 2, 2};
  coarse.spacing = {2, 2, 2};
  coarse.origin = {0.5, 0.5, 0.5};
  Volume labels(coarse, PixelType::UInt8);
  for (int v = 0; v < 8; ++v) labels.as<uint8_t>()[v] = static_cast<uint8_t>(v + 1);
  Geometry fine;
  fine.size = {4, 4, 4};
  const Volume onto = resampleNearest(labels, fine);
  ASSERT_EQ(onto.geometry().size, fine.size);
  EXPECT_EQ(onto.valueAt(0, 0, 0), 1);
  EXPECT_EQ(onto.valueAt(3, 0, 0), 2);
  EXPECT_EQ(onto.valueAt(0, 3, 0), 3);
  EXPECT_EQ(onto.valueAt(3, 3, 3), 8);

  // The image's i axis runs along the labels' j (a rotated, "oblique" grid): values follow the positions.
  Geometry rotated = fine;
  rotated.direction = {{{0, 1, 0}, {1, 0, 0}, {0, 0, 1}}};  // column 0 (i) points along y
  const Volume turned = resampleNearest(labels, rotated);
  EXPECT_EQ(turned.valueAt(3, 0, 0), 3);  // i = 3 is y = 3 mm: the labels' j = 1
  EXPECT_EQ(turned.valueAt(0, 3, 0), 2);
  // Outside the map: 0.
  Geometry beyond = fine;
  beyond.origin = {20, 20, 20};
  EXPECT_EQ(resampleNearest(labels, beyond).valueRange().max, 0.0);
}
