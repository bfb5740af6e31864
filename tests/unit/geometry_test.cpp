#include <gtest/gtest.h>

#include <cmath>

#include "krait/base/error.h"
#include "krait/base/geometry.h"

using namespace krait;

namespace {

Geometry obliqueGeometry() {
  // 20 degrees about the left-right axis, anisotropic spacing, non-zero origin.
  const double a = 20.0 * M_PI / 180.0;
  Geometry g;
  g.size = {64, 48, 20};
  g.spacing = {0.8, 0.9, 3.0};
  g.origin = {-10.5, 22.25, 7.0};
  g.direction = {{{1, 0, 0}, {0, std::cos(a), -std::sin(a)}, {0, std::sin(a), std::cos(a)}}};
  return g;
}

}  // namespace

TEST(Geometry, IndexToPhysicalFollowsOriginSpacingAndDirection) {
  const Geometry g = obliqueGeometry();
  const Vec3 p = g.indexToPhysical({2, 3, 4});
  const double a = 20.0 * M_PI / 180.0;
  EXPECT_NEAR(p[0], -10.5 + 2 * 0.8, 1e-12);
  EXPECT_NEAR(p[1], 22.25 + std::cos(a) * 3 * 0.9 - std::sin(a) * 4 * 3.0, 1e-12);
  EXPECT_NEAR(p[2], 7.0 + std::sin(a) * 3 * 0.9 + std::cos(a) * 4 * 3.0, 1e-12);
}

TEST(Geometry, PhysicalToIndexInvertsIndexToPhysical) {
  const Geometry g = obliqueGeometry();
  const Vec3 index{5.5, -1.25, 17.0};
  const Vec3 back = g.physicalToIndex(g.indexToPhysical(index));
  for (int a = 0; a < 3; ++a) EXPECT_NEAR(back[a], index[a], 1e-10);
}

TEST(Geometry, AffineHoldsScaledDirectionAndOrigin) {
  const Geometry g = obliqueGeometry();
  const Mat4 m = g.affine();
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) EXPECT_DOUBLE_EQ(m[r][c], g.direction[r][c] * g.spacing[c]);
    EXPECT_DOUBLE_EQ(m[r][3], g.origin[r]);
  }
  EXPECT_DOUBLE_EQ(m[3][3], 1.0);
}

TEST(Geometry, SameAsComparesSizeAndAffineWithinTolerance) {
  const Geometry g = obliqueGeometry();
  Geometry h = g;
  h.origin[2] += 5e-6;
  EXPECT_TRUE(g.sameAs(h, 1e-5));
  h.origin[2] += 1e-4;
  EXPECT_FALSE(g.sameAs(h, 1e-5));
  h = g;
  h.size[0] += 1;
  EXPECT_FALSE(g.sameAs(h, 1e-5));
}

TEST(Geometry, OrientationCodesInBothConventions) {
  EXPECT_EQ(orientationCode(identity3()), "LPS");
  EXPECT_EQ(orientationFromCode("LPS"), "RAI");
  // NIfTI's usual RAS storage: x toward right means -L in LPS, y toward anterior means -P.
  const Mat3 ras{{{-1, 0, 0}, {0, -1, 0}, {0, 0, 1}}};
  EXPECT_EQ(orientationCode(ras), "RAS");
  EXPECT_EQ(orientationFromCode("RAS"), "LPI");
  // Coronal slices: i runs left, j runs inferior, k runs anterior.
  const Mat3 coronal{{{1, 0, 0}, {0, 0, -1}, {0, -1, 0}}};
  EXPECT_EQ(orientationCode(coronal), "LIA");
}

TEST(Geometry, ObliquityIsTheLargestAxisTilt) {
  EXPECT_NEAR(obliquityDegrees(identity3()), 0.0, 1e-12);
  EXPECT_NEAR(obliquityDegrees(obliqueGeometry().direction), 20.0, 1e-9);
}

TEST(Geometry, ValidateRejectsBadSpacingAndShear) {
  Geometry g = obliqueGeometry();
  EXPECT_NO_THROW(validateGeometry(g, "x.nii"));
  g.spacing[1] = 0;
  EXPECT_THROW(validateGeometry(g, "x.nii"), Error);
  g = obliqueGeometry();
  g.spacing[2] = std::nan("");
  try {
    validateGeometry(g, "scan.nii");
    FAIL() << "NaN spacing accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Input);
    EXPECT_NE(std::string(e.what()).find("scan.nii"), std::string::npos);
  }
  g = obliqueGeometry();
  g.direction[0][1] = 0.3;  // sheared
  EXPECT_THROW(validateGeometry(g, "x.nii"), Error);
}
