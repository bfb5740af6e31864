#pragma once
// The picture a slice view shows: one slice of the image under a window, with the label map blended over it.
// Computed here, Qt-free, so that the views only scale and paint it (as ITK-SNAP draws its 2D views itself
// and leaves VTK to the 3D view).
#include <array>
#include <cstdint>
#include <map>
#include <vector>

#include "view_axes.h"
#include "window_level.h"
#include "krait/base/volume.h"

namespace krait::studio {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};

// How one label is drawn; labels missing from a LabelStyles map take labelColour(label) and are visible.
struct LabelStyle {
  Rgb colour;
  bool visible = true;
};
using LabelStyles = std::map<int64_t, LabelStyle>;

// A manifest's colour (0..255 per channel, clamped).
Rgb toRgb(const std::array<int, 3>& colour);
// A fixed, distinguishable colour per label value: defaultLabelColour, as manifests have it.
Rgb labelColour(int64_t label);
// How `label` is drawn: its entry in `styles`, else labelColour(label), visible.
LabelStyle styleOf(const LabelStyles& styles, int64_t label);

// Width x height pixels, row 0 at the top, 0xAARRGGBB (QImage::Format_ARGB32's layout).
struct SliceImage {
  int width = 0, height = 0;
  std::vector<uint32_t> pixels;
  std::array<double, 2> pixelSpacing{1.0, 1.0};  // mm across and down one pixel: the views scale by it
};

// Number of slices along the view's normal.
int64_t sliceCount(const Geometry& geometry, const SliceAxes& axes);

// The voxel shown at pixel (x, y) of slice `slice`.
std::array<int64_t, 3> voxelAt(const Geometry& geometry, const SliceAxes& axes, int64_t slice, int x, int y);

// The inverse: the slice and pixel showing voxel `index`.
struct SlicePixel {
  int64_t slice = 0;
  int x = 0, y = 0;
};
SlicePixel pixelOf(const Geometry& geometry, const SliceAxes& axes, const std::array<int64_t, 3>& index);

struct Overlay {
  const Volume* labels = nullptr;  // integer label map on the image's grid; null: none
  const LabelStyles* styles = nullptr;
  double opacity = 0.5;
};

// Channel 0 of `image`, greyscale under `window`; labels other than 0 blended at `overlay.opacity`.
// Throws Error(Input) when the label map's grid differs from the image's or the slice is out of range.
SliceImage renderSlice(const Volume& image, const SliceAxes& axes, int64_t slice, const WindowLevel& window,
                       const Overlay& overlay = {});

}  // namespace krait::studio
