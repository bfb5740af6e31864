#include "view_axes.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace krait::studio {

namespace {

Vec3 column(const Mat3& m, int c) { return {m[0][c], m[1][c], m[2][c]}; }

double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

Vec3 scaled(const Vec3& v, double s) { return {v[0] * s, v[1] * s, v[2] * s}; }

// The patient directions (LPS) the convention puts at screen right and screen up.
std::array<Vec3, 2> screenTargets(ViewPlane plane) {
  switch (plane) {
    case ViewPlane::Axial: return {Vec3{1, 0, 0}, Vec3{0, -1, 0}};
    case ViewPlane::Coronal: return {Vec3{1, 0, 0}, Vec3{0, 0, 1}};
    case ViewPlane::Sagittal: break;
  }
  return {Vec3{0, 1, 0}, Vec3{0, 0, 1}};
}

// Components of at least sin(15°) name a letter: below that the tilt is too small to be worth stating.
constexpr double kLetterThreshold = 0.2588;

}  // namespace

const char* viewPlaneName(ViewPlane plane) {
  switch (plane) {
    case ViewPlane::Axial: return "axial";
    case ViewPlane::Coronal: return "coronal";
    case ViewPlane::Sagittal: break;
  }
  return "sagittal";
}

SliceAxes sliceAxes(const Geometry& geometry, ViewPlane plane) {
  const auto [right, up] = screenTargets(plane);
  SliceAxes axes;
  const auto closest = [&](const Vec3& target, int skip) {
    int best = skip == 0 ? 1 : 0;
    for (int a = 0; a < 3; ++a)
      if (a != skip && std::abs(dot(column(geometry.direction, a), target)) >
                           std::abs(dot(column(geometry.direction, best), target)))
        best = a;
    return best;
  };
  axes.right = closest(right, -1);
  axes.up = closest(up, axes.right);
  axes.normal = 3 - axes.right - axes.up;
  axes.flipRight = dot(column(geometry.direction, axes.right), right) < 0;
  axes.flipUp = dot(column(geometry.direction, axes.up), up) < 0;
  return axes;
}

std::string directionLetters(const Vec3& lps) {
  static const char positive[] = {'L', 'P', 'S'}, negative[] = {'R', 'A', 'I'};
  std::array<int, 3> order{0, 1, 2};
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return std::abs(lps[a]) > std::abs(lps[b]); });
  const double norm = std::sqrt(dot(lps, lps));
  std::string letters;
  for (const int a : order)
    if (letters.empty() || std::abs(lps[a]) >= kLetterThreshold * norm)
      letters += lps[a] >= 0 ? positive[a] : negative[a];
  return letters;
}

EdgeLetters edgeLetters(const Geometry& geometry, const SliceAxes& axes) {
  const Vec3 right = scaled(column(geometry.direction, axes.right), axes.flipRight ? -1.0 : 1.0);
  const Vec3 up = scaled(column(geometry.direction, axes.up), axes.flipUp ? -1.0 : 1.0);
  return {directionLetters(scaled(right, -1.0)), directionLetters(right), directionLetters(up),
          directionLetters(scaled(up, -1.0))};
}

}  // namespace krait::studio
