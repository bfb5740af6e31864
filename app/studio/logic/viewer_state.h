#pragma once
// What the three linked slice views share: the image, the crosshair voxel and the window. The views draw
// what it gives and report clicks, scrolls and drags to it; every view then shows the slices through the
// crosshair. Qt-free (ITK-SNAP's split of logic from widgets), so it is unit tested without a display.
#include <array>
#include <cstdint>
#include <string>

#include "slice_image.h"
#include "krait/core/volume.h"

namespace krait::studio {

class ViewerState {
 public:
  // The crosshair goes to the centre, the window spans the 0.5..99.5 percentiles.
  void setImage(Volume image);
  bool hasImage() const { return !image_.empty(); }
  const Volume& image() const { return image_; }

  SliceAxes axes(ViewPlane plane) const { return sliceAxes(image_.geometry(), plane); }
  int64_t slice(ViewPlane plane) const { return crosshair_[axes(plane).normal]; }
  const std::array<int64_t, 3>& crosshair() const { return crosshair_; }
  // Clamped to the image.
  void setCrosshair(const std::array<int64_t, 3>& index);
  // The crosshair to the voxel under pixel (x, y) of the view's picture.
  void pointAt(ViewPlane plane, int x, int y);
  // Moves the view's slice by `steps` (clamped).
  void scroll(ViewPlane plane, int steps);

  const WindowLevel& window() const { return window_; }
  void setWindow(const WindowLevel& window) { window_ = window; }
  // A window drag of (dx, dy) screen pixels, scaled so that the view's width spans the image's value range.
  void dragWindow(const WindowLevel& start, double dx, double dy, int viewWidthPixels);

  SliceImage picture(ViewPlane plane) const;
  // Where the crosshair is in the view's picture.
  SlicePixel crosshairPixel(ViewPlane plane) const { return pixelOf(image_.geometry(), axes(plane), crosshair_); }
  std::string statusText() const;

 private:
  Volume image_;
  std::array<int64_t, 3> crosshair_{};
  WindowLevel window_;
  double valueSpan_ = 1.0;
};

}  // namespace krait::studio
