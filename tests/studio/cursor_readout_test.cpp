// The status bar's readout: nearest voxel, position, value(s), outside points.
#include <gtest/gtest.h>

#include "cursor_readout.h"

using namespace krait;
using namespace krait::studio;

TEST(CursorReadout, NearestVoxelPositionAndValue) {
  Geometry g;
  g.size = {4, 5, 6};
  g.spacing = {2.0, 2.0, 3.0};
  g.origin = {-10.0, 20.0, 5.0};
  Volume v(g, PixelType::Int16);
  v.as<int16_t>()[(3 * 5 + 2) * 4 + 1] = -742;  // voxel (1, 2, 3)
  const Vec3 point = g.indexToPhysical({1.2, 1.8, 3.4});
  const CursorReadout r = readoutAt(v, point);
  ASSERT_TRUE(r.inside);
  EXPECT_EQ(r.index, (std::array<int64_t, 3>{1, 2, 3}));
  ASSERT_EQ(r.values.size(), 1u);
  EXPECT_EQ(r.values[0], -742.0);
  EXPECT_EQ(statusText(r, v.pixelType()), "voxel (1, 2, 3)  -7.6, 23.6, 15.2 mm (LPS)  value -742");
}

TEST(CursorReadout, OutsideTheImage) {
  Geometry g;
  g.size = {4, 5, 6};
  Volume v(g, PixelType::Float32);
  const CursorReadout r = readoutAt(v, {-0.6, 0.0, 0.0});
  EXPECT_FALSE(r.inside);
  EXPECT_TRUE(r.values.empty());
  EXPECT_EQ(statusText(r, v.pixelType()), "-0.6, 0.0, 0.0 mm (LPS)  outside the image");
}

TEST(CursorReadout, EveryChannelOfAMultiChannelImage) {
  Geometry g;
  g.size = {2, 2, 2};
  Volume v(g, PixelType::Float32, 2);
  v.as<float>()[0] = 0.25f;
  v.as<float>()[8] = 1.5f;  // channel 1, voxel (0, 0, 0)
  const CursorReadout r = readoutAt(v, {0.0, 0.0, 0.0});
  ASSERT_EQ(r.values.size(), 2u);
  EXPECT_EQ(statusText(r, v.pixelType()), "voxel (0, 0, 0)  0.0, 0.0, 0.0 mm (LPS)  values 0.25, 1.5");
}
