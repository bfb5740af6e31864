#include "slice_image.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "krait/base/error.h"
#include "krait/base/label_palette.h"

namespace krait::studio {

Rgb toRgb(const std::array<int, 3>& c) {
  const auto channel = [](int v) { return static_cast<uint8_t>(std::clamp(v, 0, 255)); };
  return {channel(c[0]), channel(c[1]), channel(c[2])};
}

Rgb labelColour(int64_t label) { return toRgb(defaultLabelColour(label)); }

LabelStyle styleOf(const LabelStyles& styles, int64_t label) {
  const auto it = styles.find(label);
  return it != styles.end() ? it->second : LabelStyle{labelColour(label), true};
}

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

// The buffer index of every pixel of the slice, row by row: the views scroll through slices at frame rate, so
// the voxels are read through typed pointers, not valueAt().
std::vector<int64_t> sliceIndices(const Geometry& g, const SliceAxes& axes, int64_t slice, int width, int height) {
  const std::array<int64_t, 3> stride{1, g.size[0], g.size[0] * g.size[1]};
  std::vector<int64_t> index(static_cast<std::size_t>(width) * height);
  for (int y = 0; y < height; ++y) {
    const auto v = voxelAt(g, axes, slice, 0, y);
    const int64_t row = v[0] * stride[0] + v[1] * stride[1] + v[2] * stride[2];
    const int64_t step = axes.flipRight ? -stride[axes.right] : stride[axes.right];
    for (int x = 0; x < width; ++x) index[static_cast<std::size_t>(y) * width + x] = row + x * step;
  }
  return index;
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
  const std::vector<int64_t> index = sliceIndices(g, axes, slice, out.width, out.height);
  out.pixels.resize(index.size());
  dispatchPixelType(image.pixelType(), [&](auto zero) {
    const auto* voxels = image.as<decltype(zero)>();  // channel 0 comes first
    for (std::size_t p = 0; p < index.size(); ++p) {
      const double grey = 255.0 * displayIntensity(window, static_cast<double>(voxels[index[p]]));
      out.pixels[p] = argb(grey, grey, grey);
    }
  });
  if (!overlay.labels) return out;
  const double a = overlay.opacity;
  int64_t lastLabel = 0;
  LabelStyle style;
  dispatchPixelType(overlay.labels->pixelType(), [&](auto zero) {
    const auto* labels = overlay.labels->as<decltype(zero)>();
    for (std::size_t p = 0; p < index.size(); ++p) {
      const auto label = static_cast<int64_t>(labels[index[p]]);
      if (label == 0) continue;
      if (label != lastLabel) {
        lastLabel = label;
        style = overlay.styles ? styleOf(*overlay.styles, label) : LabelStyle{labelColour(label), true};
      }
      if (!style.visible) continue;
      const double grey = out.pixels[p] & 0xff;
      out.pixels[p] = argb((1 - a) * grey + a * style.colour.r, (1 - a) * grey + a * style.colour.g,
                           (1 - a) * grey + a * style.colour.b);
    }
  });
  return out;
}

}  // namespace krait::studio
