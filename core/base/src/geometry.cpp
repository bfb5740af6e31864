#include "krait/base/geometry.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "krait/base/error.h"

namespace krait {

Mat3 identity3() { return {{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}}; }

namespace {

double determinant(const Mat3& m) {
  return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
         m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

Mat3 inverse(const Mat3& m) {
  const double d = determinant(m);
  Mat3 r{};
  r[0][0] = (m[1][1] * m[2][2] - m[1][2] * m[2][1]) / d;
  r[0][1] = (m[0][2] * m[2][1] - m[0][1] * m[2][2]) / d;
  r[0][2] = (m[0][1] * m[1][2] - m[0][2] * m[1][1]) / d;
  r[1][0] = (m[1][2] * m[2][0] - m[1][0] * m[2][2]) / d;
  r[1][1] = (m[0][0] * m[2][2] - m[0][2] * m[2][0]) / d;
  r[1][2] = (m[0][2] * m[1][0] - m[0][0] * m[1][2]) / d;
  r[2][0] = (m[1][0] * m[2][1] - m[1][1] * m[2][0]) / d;
  r[2][1] = (m[0][1] * m[2][0] - m[0][0] * m[2][1]) / d;
  r[2][2] = (m[0][0] * m[1][1] - m[0][1] * m[1][0]) / d;
  return r;
}

}  // namespace

Vec3 Geometry::indexToPhysical(const Vec3& index) const {
  Vec3 p = origin;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) p[r] += direction[r][c] * spacing[c] * index[c];
  return p;
}

Vec3 Geometry::physicalToIndex(const Vec3& point) const {
  const Mat3 inv = inverse(direction);
  Vec3 index{};
  for (int r = 0; r < 3; ++r) {
    double v = 0;
    for (int c = 0; c < 3; ++c) v += inv[r][c] * (point[c] - origin[c]);
    index[r] = v / spacing[r];
  }
  return index;
}

Mat4 Geometry::affine() const {
  Mat4 a{};
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) a[r][c] = direction[r][c] * spacing[c];
    a[r][3] = origin[r];
  }
  a[3][3] = 1.0;
  return a;
}

bool Geometry::sameAs(const Geometry& other, double tolerance) const {
  if (size != other.size) return false;
  const Mat4 a = affine(), b = other.affine();
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c)
      if (std::abs(a[r][c] - b[r][c]) > tolerance) return false;
  return true;
}

std::string orientationCode(const Mat3& direction) {
  // Positive LPS axes are L, P, S; each index axis takes the letter of its dominant component.
  static const char positive[] = {'L', 'P', 'S'};
  static const char negative[] = {'R', 'A', 'I'};
  std::string code(3, '?');
  for (int c = 0; c < 3; ++c) {
    int best = 0;
    for (int r = 1; r < 3; ++r)
      if (std::abs(direction[r][c]) > std::abs(direction[best][c])) best = r;
    code[c] = direction[best][c] >= 0 ? positive[best] : negative[best];
  }
  return code;
}

std::string orientationFromCode(const std::string& toCode) {
  std::string from = toCode;
  for (char& ch : from) {
    switch (ch) {
      case 'L': ch = 'R'; break;
      case 'R': ch = 'L'; break;
      case 'P': ch = 'A'; break;
      case 'A': ch = 'P'; break;
      case 'S': ch = 'I'; break;
      case 'I': ch = 'S'; break;
      default: break;
    }
  }
  return from;
}

double obliquityDegrees(const Mat3& direction) {
  double worst = 0;
  for (int c = 0; c < 3; ++c) {
    double dominant = 0, norm = 0;
    for (int r = 0; r < 3; ++r) {
      dominant = std::max(dominant, std::abs(direction[r][c]));
      norm += direction[r][c] * direction[r][c];
    }
    const double cosine = std::clamp(dominant / std::sqrt(norm), -1.0, 1.0);
    worst = std::max(worst, std::acos(cosine) * 180.0 / M_PI);
  }
  return worst;
}

void validateGeometry(const Geometry& g, const std::string& what) {
  for (int a = 0; a < 3; ++a) {
    if (g.size[a] < 1) throw inputError(what, "image size must be at least 1 along every axis");
    if (!std::isfinite(g.spacing[a]) || g.spacing[a] <= 0)
      throw inputError(what, "voxel spacing must be finite and positive (axis " + std::to_string(a) +
                                 " has " + std::to_string(g.spacing[a]) + ")");
    if (!std::isfinite(g.origin[a])) throw inputError(what, "origin is not finite");
  }
  // Orthonormal columns: a sheared or scaled direction would silently misplace every voxel.
  for (int c = 0; c < 3; ++c) {
    for (int d = c; d < 3; ++d) {
      double dot = 0;
      for (int r = 0; r < 3; ++r) dot += g.direction[r][c] * g.direction[r][d];
      const double expected = c == d ? 1.0 : 0.0;
      if (!std::isfinite(dot) || std::abs(dot - expected) > 1e-4)
        throw inputError(what, "direction cosines are not orthonormal");
    }
  }
}

namespace {

std::string triple(const Vec3& v) {
  char text[96];
  std::snprintf(text, sizeof text, "%g x %g x %g", v[0], v[1], v[2]);
  return text;
}

bool close(const Vec3& a, const Vec3& b, double tolerance) {
  for (int i = 0; i < 3; ++i)
    if (std::abs(a[i] - b[i]) > tolerance) return false;
  return true;
}

}  // namespace

std::string gridDifference(const Geometry& labels, const Geometry& image, const std::string& referenceName, double tolerance) {
  std::string out;
  const auto add = [&](const std::string& what, const std::string& mine, const std::string& theirs) {
    out += (out.empty() ? "" : "; ") + what + " " + mine + " (" + referenceName + " " + theirs + ")";
  };
  if (labels.size != image.size) {
    const auto size = [](const Geometry& g) {
      return std::to_string(g.size[0]) + " x " + std::to_string(g.size[1]) + " x " + std::to_string(g.size[2]);
    };
    add("size", size(labels), size(image));
  }
  if (!close(labels.spacing, image.spacing, tolerance)) add("spacing", triple(labels.spacing) + " mm", triple(image.spacing));
  if (!close(labels.origin, image.origin, tolerance)) add("origin", triple(labels.origin) + " mm", triple(image.origin));
  bool sameDirection = true;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) sameDirection = sameDirection && std::abs(labels.direction[r][c] - image.direction[r][c]) <= tolerance;
  if (!sameDirection) add("orientation", orientationCode(labels.direction), orientationCode(image.direction));
  return out;
}

}  // namespace krait
