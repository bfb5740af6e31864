#include "viewer_state.h"

#include <algorithm>

#include "cursor_readout.h"

namespace krait::studio {

void ViewerState::setImage(Volume image) {
  image_ = std::move(image);
  const auto& size = image_.geometry().size;
  crosshair_ = {size[0] / 2, size[1] / 2, size[2] / 2};
  window_ = percentileWindow(image_);
  const ValueRange range = image_.valueRange();
  valueSpan_ = std::max(range.max - range.min, 1.0);
}

void ViewerState::setCrosshair(const std::array<int64_t, 3>& index) {
  const auto& size = image_.geometry().size;
  for (int a = 0; a < 3; ++a) crosshair_[a] = std::clamp<int64_t>(index[a], 0, size[a] - 1);
}

void ViewerState::pointAt(ViewPlane plane, int x, int y) {
  setCrosshair(voxelAt(image_.geometry(), axes(plane), slice(plane), x, y));
}

void ViewerState::scroll(ViewPlane plane, int steps) {
  auto index = crosshair_;
  index[axes(plane).normal] += steps;
  setCrosshair(index);
}

void ViewerState::dragWindow(const WindowLevel& start, double dx, double dy, int viewWidthPixels) {
  window_ = dragged(start, dx, dy, valueSpan_ / std::max(viewWidthPixels, 1));
}

SliceImage ViewerState::picture(ViewPlane plane) const { return renderSlice(image_, axes(plane), slice(plane), window_); }

std::string ViewerState::statusText() const {
  const Vec3 index{static_cast<double>(crosshair_[0]), static_cast<double>(crosshair_[1]), static_cast<double>(crosshair_[2])};
  return studio::statusText(readoutAt(image_, image_.geometry().indexToPhysical(index)), image_.pixelType());
}

}  // namespace krait::studio
