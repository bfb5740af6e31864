#pragma once
// Image geometry in Krait's one convention: LPS patient coordinates in millimetres, as ITK and DICOM.
// docs/geometry.md is the reference; converters to other conventions (NIfTI's RAS) live at the I/O edge only.
#include <array>
#include <cstdint>
#include <string>

namespace krait {

using Vec3 = std::array<double, 3>;
// direction[row][col]: column j is the LPS unit vector along which voxel index j increases (ITK's layout).
using Mat3 = std::array<std::array<double, 3>, 3>;
using Mat4 = std::array<std::array<double, 4>, 4>;

Mat3 identity3();

struct Geometry {
  std::array<int64_t, 3> size{1, 1, 1};  // voxels along i (fastest), j, k
  Vec3 spacing{1.0, 1.0, 1.0};           // mm between voxel centres along i, j, k
  Vec3 origin{0.0, 0.0, 0.0};            // LPS position of the centre of voxel (0,0,0)
  Mat3 direction = identity3();

  int64_t voxelCount() const { return size[0] * size[1] * size[2]; }
  Vec3 indexToPhysical(const Vec3& index) const;
  Vec3 physicalToIndex(const Vec3& point) const;
  // 4x4 index-to-LPS matrix (direction * diag(spacing) | origin).
  Mat4 affine() const;
  // Maximum absolute difference of any affine element and of the sizes; used by round-trip checks.
  bool sameAs(const Geometry& other, double tolerance) const;
};

// Three letters naming the patient direction toward which each index axis increases ("to" convention:
// an identity direction is "LPS"). ITK and ITK-SNAP name the same orientation by where each axis comes
// from ("RAI"); fromCode() gives that spelling.
std::string orientationCode(const Mat3& direction);
std::string orientationFromCode(const std::string& toCode);
// Largest angle in degrees between an index axis and the patient axis its letter names; 0 for a
// scanner-aligned volume, larger for oblique acquisitions.
double obliquityDegrees(const Mat3& direction);
// What differs between `other`'s grid and `reference`'s, in words, each beside the reference's value named
// `referenceName`: "size 91 x 109 x 91 (image 181 x 217 x 181); spacing 2 x 2 x 2 mm (image 1 x 1 x 1)", then
// origin and orientation; "" when they agree within `tolerance` (mm, and for the direction cosines).
std::string gridDifference(const Geometry& other, const Geometry& reference, const std::string& referenceName = "image",
                           double tolerance = 1e-3);

// Throws Error(Input) if the direction is not orthonormal, spacing not finite and positive, or size < 1.
void validateGeometry(const Geometry& g, const std::string& what);

}  // namespace krait
