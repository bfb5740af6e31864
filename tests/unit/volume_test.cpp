#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "krait/base/error.h"
#include "krait/base/volume.h"

using namespace krait;

namespace {

Geometry smallGeometry() {
  Geometry g;
  g.size = {4, 3, 2};
  return g;
}

}  // namespace

TEST(Volume, AllocatesChannelsTimesVoxelsZeroed) {
  Volume v(smallGeometry(), PixelType::Int16, 2);
  EXPECT_EQ(v.elementCount(), 4u * 3u * 2u * 2u);
  EXPECT_EQ(v.byteSize(), v.elementCount() * 2u);
  const ValueRange r = v.valueRange();
  EXPECT_EQ(r.min, 0);
  EXPECT_EQ(r.max, 0);
}

TEST(Volume, LayoutIsChannelThenKThenJThenI) {
  Volume v(smallGeometry(), PixelType::Float32, 2);
  float* p = v.as<float>();
  for (std::size_t n = 0; n < v.elementCount(); ++n) p[n] = static_cast<float>(n);
  // channel 1, k 1, j 2, i 3  ->  ((1*2 + 1)*3 + 2)*4 + 3
  EXPECT_EQ(v.valueAt(3, 2, 1, 1), ((1 * 2 + 1) * 3 + 2) * 4 + 3);
}

TEST(Volume, TypedAccessChecksTheType) {
  Volume v(smallGeometry(), PixelType::UInt8);
  EXPECT_THROW(v.as<float>(), Error);
  EXPECT_NO_THROW(v.as<uint8_t>());
}

TEST(Volume, ValueRangeSkipsNonFiniteValues) {
  Volume v(smallGeometry(), PixelType::Float32);
  float* p = v.as<float>();
  p[0] = -3.5f;
  p[1] = 7.25f;
  p[2] = std::numeric_limits<float>::quiet_NaN();
  p[3] = std::numeric_limits<float>::infinity();
  const ValueRange r = v.valueRange();
  EXPECT_EQ(r.min, -3.5);
  EXPECT_EQ(r.max, 7.25);
  EXPECT_EQ(r.nonFinite, 2);
}

TEST(Volume, SetGeometryKeepsSize) {
  Volume v(smallGeometry(), PixelType::UInt8);
  Geometry g = smallGeometry();
  g.origin = {1, 2, 3};
  v.setGeometry(g);
  EXPECT_EQ(v.geometry().origin[2], 3);
  g.size[0] = 5;
  EXPECT_THROW(v.setGeometry(g), Error);
}

TEST(Volume, SameVoxelsComparesContentAndType) {
  Volume a(smallGeometry(), PixelType::Int16), b(smallGeometry(), PixelType::Int16);
  EXPECT_TRUE(a.sameVoxels(b));
  b.as<int16_t>()[5] = -1;
  EXPECT_FALSE(a.sameVoxels(b));
  EXPECT_FALSE(a.sameVoxels(Volume(smallGeometry(), PixelType::UInt16)));
}

// Volume-sized buffers sit on 2 MiB boundaries so that the kernel can back them with huge pages; they start
// zeroed and copy like any other.
TEST(Volume, LargeVolumesAreHugePageAlignedZeroedAndCopyable) {
  Geometry g;
  g.size = {256, 256, 40};  // 10 MiB of float32
  Volume large(g, PixelType::Float32);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(large.data()) % (std::uintptr_t{2} << 20), 0u);
  const float* v = large.as<float>();
  EXPECT_TRUE(std::all_of(v, v + large.elementCount(), [](float x) { return x == 0.0f; }));
  large.as<float>()[12345] = 7.0f;
  const Volume copy = large;
  EXPECT_TRUE(copy.sameVoxels(large));
  EXPECT_NE(copy.data(), large.data());
  Volume small(smallGeometry(), PixelType::UInt8);  // below the threshold: plain operator new
  EXPECT_EQ(small.valueAt(0, 0, 0), 0.0);
}
