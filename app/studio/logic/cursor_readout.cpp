#include "cursor_readout.h"

#include <cmath>
#include <cstdio>

namespace krait::studio {

CursorReadout readoutAt(const Volume& volume, const Vec3& lps) {
  CursorReadout r;
  r.position = lps;
  const Geometry& g = volume.geometry();
  const Vec3 continuous = g.physicalToIndex(lps);
  r.inside = true;
  for (int a = 0; a < 3; ++a) {
    r.index[a] = std::llround(continuous[a]);
    r.inside = r.inside && r.index[a] >= 0 && r.index[a] < g.size[a];
  }
  if (r.inside)
    for (int c = 0; c < volume.components(); ++c) r.values.push_back(volume.valueAt(r.index[0], r.index[1], r.index[2], c));
  return r;
}

namespace {

bool integral(PixelType type) { return type != PixelType::Float32 && type != PixelType::Float64; }

std::string number(double v, PixelType type) {
  char text[32];
  if (integral(type)) std::snprintf(text, sizeof text, "%.0f", v);
  else std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

}  // namespace

std::string statusText(const CursorReadout& r, PixelType type) {
  char where[128];
  std::snprintf(where, sizeof where, "%.1f, %.1f, %.1f mm (LPS)", r.position[0], r.position[1], r.position[2]);
  if (!r.inside) return std::string(where) + "  outside the image";
  std::string text = "voxel (" + std::to_string(r.index[0]) + ", " + std::to_string(r.index[1]) + ", " +
                     std::to_string(r.index[2]) + ")  " + where + (r.values.size() == 1 ? "  value " : "  values ");
  for (std::size_t c = 0; c < r.values.size(); ++c) text += (c ? ", " : "") + number(r.values[c], type);
  return text;
}

}  // namespace krait::studio
