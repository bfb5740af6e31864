#include "label_grid.h"

#include <cmath>
#include <cstdio>

namespace krait::studio {
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

std::string gridDifference(const Geometry& labels, const Geometry& image, double tolerance) {
  std::string out;
  const auto add = [&](const std::string& what, const std::string& mine, const std::string& theirs) {
    out += (out.empty() ? "" : "; ") + what + " " + mine + " (image " + theirs + ")";
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

Volume resampleNearest(const Volume& labels, const Geometry& onto) {
  Volume out(onto, labels.pixelType());
  const Geometry& from = labels.geometry();
  dispatchPixelType(labels.pixelType(), [&](auto zero) {
    using T = decltype(zero);
    const T* in = labels.as<T>();
    T* dst = out.as<T>();
    int64_t n = 0;
    for (int64_t k = 0; k < onto.size[2]; ++k)
      for (int64_t j = 0; j < onto.size[1]; ++j)
        for (int64_t i = 0; i < onto.size[0]; ++i, ++n) {
          const Vec3 index = from.physicalToIndex(onto.indexToPhysical({double(i), double(j), double(k)}));
          int64_t at[3];
          bool inside = true;
          for (int a = 0; a < 3; ++a) {
            at[a] = std::llround(index[a]);
            inside = inside && at[a] >= 0 && at[a] < from.size[a];
          }
          dst[n] = inside ? in[(at[2] * from.size[1] + at[1]) * from.size[0] + at[0]] : T{};
        }
  });
  return out;
}

}  // namespace krait::studio
