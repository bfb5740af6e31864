// Window/level presets, the MR percentile window, dragging and the display mapping.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "krait/io/volume_io.h"
#include "testdata.h"
#include "window_level.h"

using namespace krait;
using namespace krait::studio;

TEST(WindowLevel, CtPresetsAreTheRadiologyWindows) {
  const auto& presets = ctPresets();
  ASSERT_EQ(presets.size(), 4u);
  EXPECT_EQ(presets[0].name, "CT brain");
  EXPECT_DOUBLE_EQ(presets[0].window.center, 40.0);
  EXPECT_DOUBLE_EQ(presets[0].window.width, 80.0);
  EXPECT_EQ(presets[2].name, "CT lung");
  EXPECT_DOUBLE_EQ(presets[2].window.center, -600.0);
}

TEST(WindowLevel, DisplayIntensityClampsOutsideTheWindow) {
  const WindowLevel w{40.0, 80.0};
  EXPECT_DOUBLE_EQ(displayIntensity(w, 0.0), 0.0);
  EXPECT_DOUBLE_EQ(displayIntensity(w, 40.0), 0.5);
  EXPECT_DOUBLE_EQ(displayIntensity(w, 80.0), 1.0);
  EXPECT_DOUBLE_EQ(displayIntensity(w, -1000.0), 0.0);
  EXPECT_DOUBLE_EQ(displayIntensity(w, 3000.0), 1.0);
}

TEST(WindowLevel, DraggingWidensAndRaisesButNeverCollapses) {
  const WindowLevel start{100.0, 200.0};
  const WindowLevel moved = dragged(start, 10.0, -5.0, 2.0);  // right 10 px, up 5 px
  EXPECT_DOUBLE_EQ(moved.width, 220.0);
  EXPECT_DOUBLE_EQ(moved.center, 110.0);
  EXPECT_GT(dragged(start, -1000.0, 0.0, 2.0).width, 0.0);
}

TEST(WindowLevel, PercentileWindowIgnoresOutliersAndNonFiniteValues) {
  Geometry g;
  g.size = {100, 10, 10};
  Volume v(g, PixelType::Float32);
  float* p = v.as<float>();
  for (int64_t n = 0; n < g.voxelCount(); ++n) p[n] = static_cast<float>(n % 100);  // 0..99 evenly
  p[5] = 1e6f;                                                                       // one bright outlier
  p[6] = std::numeric_limits<float>::quiet_NaN();
  const WindowLevel w = percentileWindow(v, 0.5, 99.5);
  EXPECT_NEAR(w.center - w.width / 2.0, 0.0, 1.0);
  EXPECT_NEAR(w.center + w.width / 2.0, 99.0, 1.0);
  Volume flat(g, PixelType::Int16);
  EXPECT_GT(percentileWindow(flat).width, 0.0);
}

// A real MR-like scan: the window lies inside the value range and cuts its brightest tail.
TEST(WindowLevel, PercentileWindowOnARealScan) {
  const Volume v = io::readVolume(test::testData("nifti-mricron/ch2.nii.gz"));
  const ValueRange range = v.valueRange();
  const WindowLevel w = percentileWindow(v, 1.0, 99.0);
  EXPECT_GE(w.center - w.width / 2.0, range.min);
  EXPECT_LT(w.center + w.width / 2.0, range.max);
  EXPECT_GT(w.width, 0.0);
}

TEST(WindowLevel, ACtOpensWithASoftTissueWindowAnMrWithPercentiles) {
  const Volume ct = io::readVolume(test::testData("dicom-misc/CT-MONO2-16-ankle.dcm"));
  const ValueRange range = ct.valueRange();
  ASSERT_LE(range.min, -500.0);  // Hounsfield units: air
  const int preset = openingPreset(range);
  ASSERT_GE(preset, 0);
  EXPECT_EQ(ctPresets()[static_cast<size_t>(preset)].name, "CT abdomen");
  EXPECT_EQ(openingPreset(io::readVolume(test::testData("nifti-mricron/ch2.nii.gz")).valueRange()), -1);
}
