// The slice views' layout and orientation letters: scanner-aligned volumes in any storage order show the
// radiological convention; oblique ones keep their grid and say how they are tilted.
#include <gtest/gtest.h>

#include <cmath>

#include "krait/io/volume_io.h"
#include "testdata.h"
#include "view_axes.h"

using namespace krait;
using namespace krait::studio;

namespace {

Geometry withDirection(const Mat3& direction) {
  Geometry g;
  g.size = {10, 20, 30};
  g.direction = direction;
  return g;
}

void expectLetters(const EdgeLetters& e, const char* left, const char* right, const char* top, const char* bottom) {
  EXPECT_EQ(e.left, left);
  EXPECT_EQ(e.right, right);
  EXPECT_EQ(e.top, top);
  EXPECT_EQ(e.bottom, bottom);
}

}  // namespace

TEST(SliceAxes, IdentityDirectionFollowsTheRadiologicalConvention) {
  const Geometry g = withDirection(identity3());  // i → L, j → P, k → S
  const SliceAxes axial = sliceAxes(g, ViewPlane::Axial);
  EXPECT_EQ(axial.normal, 2);
  EXPECT_EQ(axial.right, 0);
  EXPECT_EQ(axial.up, 1);
  EXPECT_FALSE(axial.flipRight);
  EXPECT_TRUE(axial.flipUp);  // j runs toward posterior; anterior is up
  expectLetters(edgeLetters(g, axial), "R", "L", "A", "P");
  const SliceAxes coronal = sliceAxes(g, ViewPlane::Coronal);
  EXPECT_EQ(coronal.normal, 1);
  expectLetters(edgeLetters(g, coronal), "R", "L", "S", "I");
  const SliceAxes sagittal = sliceAxes(g, ViewPlane::Sagittal);
  EXPECT_EQ(sagittal.normal, 0);
  EXPECT_EQ(sagittal.right, 1);
  expectLetters(edgeLetters(g, sagittal), "A", "P", "S", "I");
}

TEST(SliceAxes, StorageOrderDoesNotChangeWhatTheViewsShow) {
  // A sagittally acquired volume stored as (i → A, j → I, k → R): slices through k are sagittal.
  const Mat3 direction{{{0, 0, -1}, {-1, 0, 0}, {0, -1, 0}}};
  const Geometry g = withDirection(direction);
  const SliceAxes sagittal = sliceAxes(g, ViewPlane::Sagittal);
  EXPECT_EQ(sagittal.normal, 2);
  EXPECT_EQ(sagittal.right, 0);
  EXPECT_TRUE(sagittal.flipRight);  // i runs anterior; posterior is right
  EXPECT_EQ(sagittal.up, 1);
  EXPECT_TRUE(sagittal.flipUp);
  expectLetters(edgeLetters(g, sagittal), "A", "P", "S", "I");
  expectLetters(edgeLetters(g, sliceAxes(g, ViewPlane::Axial)), "R", "L", "A", "P");
  expectLetters(edgeLetters(g, sliceAxes(g, ViewPlane::Coronal)), "R", "L", "S", "I");
}

TEST(SliceAxes, ObliqueVolumesNameTheirTilt) {
  const double a = 30.0 * M_PI / 180.0;  // rotated 30° about the superior axis
  const Mat3 direction{{{std::cos(a), -std::sin(a), 0}, {std::sin(a), std::cos(a), 0}, {0, 0, 1}}};
  const Geometry g = withDirection(direction);
  const EdgeLetters axial = edgeLetters(g, sliceAxes(g, ViewPlane::Axial));
  EXPECT_EQ(axial.right, "LP");  // i: cos 30° toward L, sin 30° toward P
  EXPECT_EQ(axial.left, "RA");
  EXPECT_EQ(axial.top, "AL");
  // 10°: under the threshold, one letter.
  const double b = 10.0 * M_PI / 180.0;
  const Mat3 slight{{{std::cos(b), -std::sin(b), 0}, {std::sin(b), std::cos(b), 0}, {0, 0, 1}}};
  const Geometry s = withDirection(slight);
  expectLetters(edgeLetters(s, sliceAxes(s, ViewPlane::Axial)), "R", "L", "A", "P");
}

TEST(DirectionLetters, StrongestComponentFirst) {
  EXPECT_EQ(directionLetters({0, 0, -2}), "I");
  EXPECT_EQ(directionLetters({-0.5, 0.8, 0}), "PR");
  EXPECT_EQ(directionLetters({0.6, -0.6, 0.52}), "LAS");
}

// A real scan (the MNI template as MRIcron ships it) in its stored orientation.
TEST(SliceAxes, RealScanShowsTheRadiologicalConvention) {
  const Volume v = io::readVolume(test::testData("nifti-mricron/ch2.nii.gz"));
  const Geometry& g = v.geometry();
  expectLetters(edgeLetters(g, sliceAxes(g, ViewPlane::Axial)), "R", "L", "A", "P");
  expectLetters(edgeLetters(g, sliceAxes(g, ViewPlane::Coronal)), "R", "L", "S", "I");
  expectLetters(edgeLetters(g, sliceAxes(g, ViewPlane::Sagittal)), "A", "P", "S", "I");
  const SliceAxes axial = sliceAxes(g, ViewPlane::Axial);
  EXPECT_EQ(axial.normal, 2) << "ch2 is stored in axial slices";
}
