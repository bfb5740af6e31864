// Slice pictures: pixel ↔ voxel mapping in each view, window and overlay blending, refusals; and the label
// table's figures.
#include <gtest/gtest.h>

#include "krait/base/error.h"
#include "krait/io/volume_io.h"
#include "label_statistics.h"
#include "slice_image.h"
#include "testdata.h"

using namespace krait;
using namespace krait::studio;

namespace {

Volume ramp(const Geometry& g) {
  Volume v(g, PixelType::Int16);
  int16_t* p = v.as<int16_t>();
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) p[(k * g.size[1] + j) * g.size[0] + i] = static_cast<int16_t>(100 * k + 10 * j + i);
  return v;
}

uint8_t red(uint32_t argb) { return static_cast<uint8_t>(argb >> 16); }

}  // namespace

TEST(SliceImage, PixelsAndVoxelsMapBothWaysInEveryView) {
  Geometry g;
  g.size = {4, 5, 6};
  for (const auto plane : {ViewPlane::Axial, ViewPlane::Coronal, ViewPlane::Sagittal}) {
    const SliceAxes axes = sliceAxes(g, plane);
    for (int64_t s = 0; s < sliceCount(g, axes); ++s)
      for (int y = 0; y < g.size[axes.up]; ++y)
        for (int x = 0; x < g.size[axes.right]; ++x) {
          const SlicePixel p = pixelOf(g, axes, voxelAt(g, axes, s, x, y));
          ASSERT_EQ(p.slice, s);
          ASSERT_EQ(p.x, x);
          ASSERT_EQ(p.y, y);
        }
  }
}

TEST(SliceImage, AxialViewPutsAnteriorAtTheTop) {
  Geometry g;  // identity: j runs toward posterior
  g.size = {4, 5, 6};
  g.spacing = {0.5, 0.7, 2.0};
  const Volume v = ramp(g);
  const SliceAxes axes = sliceAxes(g, ViewPlane::Axial);
  const SliceImage img = renderSlice(v, axes, 3, WindowLevel{250.0, 500.0});  // values 0..500 → 0..255
  ASSERT_EQ(img.width, 4);
  ASSERT_EQ(img.height, 5);
  EXPECT_DOUBLE_EQ(img.pixelSpacing[0], 0.5);
  EXPECT_DOUBLE_EQ(img.pixelSpacing[1], 0.7);
  // Top-left pixel: i = 0 (patient right), j = 0 (most anterior): value 300.
  EXPECT_EQ(red(img.pixels[0]), 153);
  // Bottom-right: i = 3, j = 4: value 343.
  EXPECT_EQ(red(img.pixels.back()), 175);
  EXPECT_EQ(img.pixels[0] >> 24, 0xffu);
}

TEST(SliceImage, LabelsBlendAtTheirOpacityAndHiddenLabelsDoNot) {
  Geometry g;
  g.size = {2, 1, 1};
  Volume image(g, PixelType::Int16);  // all 0: black under window 50 ± 50
  Volume labels(g, PixelType::UInt8);
  labels.as<uint8_t>()[0] = 1;
  labels.as<uint8_t>()[1] = 2;
  LabelStyles styles{{1, {{200, 0, 0}, true}}, {2, {{0, 200, 0}, false}}};
  const SliceAxes axes = sliceAxes(g, ViewPlane::Axial);
  const SliceImage img = renderSlice(image, axes, 0, {50.0, 100.0}, Overlay{&labels, &styles, 0.25});
  EXPECT_EQ(img.pixels[0], 0xff320000u);  // 0.25 x 200 = 50 red
  EXPECT_EQ(img.pixels[1], 0xff000000u);  // label 2 hidden
  const SliceImage plain = renderSlice(image, axes, 0, {50.0, 100.0}, Overlay{&labels, nullptr, 1.0});
  const Rgb palette = labelColour(2);
  EXPECT_EQ(plain.pixels[1], 0xff000000u | uint32_t{palette.r} << 16 | uint32_t{palette.g} << 8 | palette.b);
}

TEST(SliceImage, RefusesAMismatchedLabelMapAndSlicesOutOfRange) {
  Geometry g;
  g.size = {3, 3, 3};
  const Volume image = ramp(g);
  Geometry other = g;
  other.size = {3, 3, 2};
  const Volume labels(other, PixelType::UInt8);
  const SliceAxes axes = sliceAxes(g, ViewPlane::Axial);
  EXPECT_THROW(renderSlice(image, axes, 0, {}, Overlay{&labels, nullptr, 0.5}), Error);
  EXPECT_THROW(renderSlice(image, axes, 3, {}), Error);
  EXPECT_THROW(renderSlice(image, axes, -1, {}), Error);
}

TEST(SliceImage, RealScanMidSliceShowsTheHeadInTheWindow) {
  const Volume v = io::readVolume(test::testData("nifti-mricron/ch2.nii.gz"));
  const SliceAxes axes = sliceAxes(v.geometry(), ViewPlane::Axial);
  const SliceImage img = renderSlice(v, axes, sliceCount(v.geometry(), axes) / 2, percentileWindow(v, 1.0, 99.0));
  ASSERT_EQ(img.pixels.size(), static_cast<std::size_t>(img.width) * img.height);
  // The corner is air (black); the centre is brain (grey, neither black nor saturated).
  EXPECT_LT(red(img.pixels[0]), 10);
  const uint8_t centre = red(img.pixels[static_cast<std::size_t>(img.height / 2) * img.width + img.width / 2]);
  EXPECT_GT(centre, 30);
  EXPECT_LT(centre, 250);
}

TEST(LabelStatistics, CountsAndMillilitresPerLabel) {
  Geometry g;
  g.size = {10, 10, 10};
  g.spacing = {2.0, 2.0, 2.5};  // 10 mm³ a voxel
  Volume labels(g, PixelType::UInt16);
  uint16_t* p = labels.as<uint16_t>();
  for (int n = 0; n < 300; ++n) p[n] = 3;
  for (int n = 300; n < 350; ++n) p[n] = 1;
  const auto stats = labelStatistics(labels);
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].label, 1);
  EXPECT_EQ(stats[0].voxels, 50);
  EXPECT_DOUBLE_EQ(stats[0].millilitres, 0.5);
  EXPECT_EQ(stats[1].label, 3);
  EXPECT_DOUBLE_EQ(stats[1].millilitres, 3.0);
  Volume fractional(g, PixelType::Float32);
  fractional.as<float>()[0] = 0.5f;
  EXPECT_THROW(labelStatistics(fractional), Error);
}
