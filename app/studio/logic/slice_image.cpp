#include "slice_image.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "krait/core/error.h"
#include "krait/models/model_store.h"

namespace krait::studio {

Rgb toRgb(const std::array<int, 3>& c) {
  const auto channel = [](int v) { return static_cast<uint8_t>(std::clamp(v, 0, 255)); };
  return {channel(c[0]), channel(c[1]), channel(c[2])};
}

Rgb labelColour(int64_t label) { return toRgb(models::defaultLabelColour(label)); }

int64_t sliceCount(const Geometry& geometry, const SliceAxes& axes) { return geometry.size[axes.normal]; }

std::array<int64_t, 3> voxelAt(const Geometry& g, const SliceAxes& axes, int64_t slice, int x, int y) {
  std::array<int64_t, 3> index{};
  index[axes.normal] = slice;
  index[axes.right] = axes.flipRight ? g.size[axes.right] - 1 - x : x;
  // Row 0 is the top: the up axis's far end unless it is flipped.
  index[axes.up] = axes.flipUp ? y : g.size[axes.up] - 1 - y;
  return index;
}

SlicePixel pixelOf(const Geometry& g, const SliceAxes& axes, const std::array<int64_t, 3>& index) {
  SlicePixel p;
  p.slice = index[axes.normal];
  p.x = static_cast<int>(axes.flipRight ? g.size[axes.right] - 1 - index[axes.right] : index[axes.right]);
  p.y = static_cast<int>(axes.flipUp ? index[axes.up] : g.size[axes.up] - 1 - index[axes.up]);
  return p;
}

namespace {

uint32_t argb(double r, double g, double b) {
  const auto channel = [](double v) { return static_cast<uint32_t>(std::lround(std::clamp(v, 0.0, 255.0))); };
  return 0xff000000u | channel(r) << 16 | channel(g) << 8 | channel(b);
}

}  // namespace

SliceImage renderSlice(const Volume& image, const SliceAxes& axes, int64_t slice, const WindowLevel& window,
                       const Overlay& overlay) {
  const Geometry& g = image.geometry();
  if (slice < 0 || slice >= sliceCount(g, axes))
    throw Error(ErrorKind::Input, "slice " + std::to_string(slice) + " is outside 0.." + std::to_string(sliceCount(g, axes) - 1));
  if (overlay.labels && overlay.labels->geometry().size != g.size)
    throw Error(ErrorKind::Input, "the label map's grid differs from the image's");
  SliceImage out;
  out.width = static_cast<int>(g.size[axes.right]);
  out.height = static_cast<int>(g.size[axes.up]);
  out.pixelSpacing = {g.spacing[axes.right], g.spacing[axes.up]};
  out.pixels.resize(static_cast<std::size_t>(out.width) * out.height);
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x) {
      const auto v = voxelAt(g, axes, slice, x, y);
      const double grey = 255.0 * displayIntensity(window, image.valueAt(v[0], v[1], v[2]));
      double r = grey, gr = grey, b = grey;
      if (overlay.labels) {
        const auto label = static_cast<int64_t>(overlay.labels->valueAt(v[0], v[1], v[2]));
        if (label != 0) {
          LabelStyle style{labelColour(label), true};
          if (overlay.styles)
            if (const auto it = overlay.styles->find(label); it != overlay.styles->end()) style = it->second;
          if (style.visible) {
            const double a = overlay.opacity;
            r = (1 - a) * r + a * style.colour.r;
            gr = (1 - a) * gr + a * style.colour.g;
            b = (1 - a) * b + a * style.colour.b;
          }
        }
      }
      out.pixels[static_cast<std::size_t>(y) * out.width + x] = argb(r, gr, b);
    }
  return out;
}

}  // namespace krait::studio
