#include "viewer_state.h"

#include <algorithm>

#include "cursor_readout.h"
#include "krait/base/error.h"
#include "krait/base/geometry.h"

namespace krait::studio {

void ViewerState::setImage(Volume image) {
  image_ = std::move(image);
  const auto& size = image_.geometry().size;
  crosshair_ = {size[0] / 2, size[1] / 2, size[2] / 2};
  // One pass over the voxels for both the opening window and the drag scale.
  const ValueRange range = image_.valueRange();
  openingPreset_ = studio::openingPreset(range);
  resetWindow();
  valueSpan_ = std::max(range.max - range.min, 1.0);
  labels_.reset(image_.geometry());
  segments_.clear();
  preview_ = Volume();
  author_ = {};
}

void ViewerState::resetWindow() {
  if (image_.empty()) return;
  window_ = openingPreset_ >= 0 ? ctPresets()[static_cast<size_t>(openingPreset_)].window : percentileWindow(image_);
}

void ViewerState::setOpacity(double opacity) { opacity_ = std::clamp(opacity, 0.0, 1.0); }

void ViewerState::loadLabels(const Volume& labels, const std::string& source) {
  // 1e-3 mm: files written by other tools round geometry in their headers.
  if (const std::string differs = gridDifference(labels.geometry(), image_.geometry()); !differs.empty())
    throw inputError(source, "the label map lies on another grid than the image: " + differs);
  if (labels.components() != 1) throw inputError(source, "a label map has one channel");
  try {
    labels_.load(labels);
  } catch (const Error& e) {
    throw inputError(source, e.what());
  }
  preview_ = Volume();
  author_ = {};
}

void ViewerState::setPreview(Volume labels, const std::vector<models::LabelEntry>& entries, LabelAuthor author) {
  if (labels.geometry().size != image_.geometry().size)
    throw Error(ErrorKind::Input, "the segmentation's grid differs from the image's");
  preview_ = std::move(labels);
  previewAuthor_ = std::move(author);
  segments_.describe(entries);
}

void ViewerState::acceptPreview() {
  if (!hasPreview()) return;
  labels_.replace(preview_);
  preview_ = Volume();
  author_ = std::move(previewAuthor_);
}

bool ViewerState::paint(ViewPlane plane, int x0, int y0, int x1, int y1) {
  if (tool_.tool == Tool::Navigate || hasPreview() || !hasImage()) return false;
  const LabelValue value = tool_.tool == Tool::Brush ? tool_.label : LabelValue{0};
  labels_.paintLine(axes(plane), slice(plane), x0, y0, x1, y1, tool_.diameter, value);
  author_.edited = !author_.model.empty();
  return true;
}

const Volume& ViewerState::shownLabels() const {
  static const Volume none;
  if (hasPreview()) return preview_;
  return labels_.blank() ? none : labels_.labels();
}

int64_t ViewerState::labelAtCrosshair() const {
  const Volume& shown = shownLabels();
  return shown.empty() ? 0 : static_cast<int64_t>(shown.valueAt(crosshair_[0], crosshair_[1], crosshair_[2]));
}

void ViewerState::setCrosshair(const std::array<int64_t, 3>& index) {
  const auto& size = image_.geometry().size;
  for (int a = 0; a < 3; ++a) crosshair_[a] = std::clamp<int64_t>(index[a], 0, size[a] - 1);
}

void ViewerState::pointAt(ViewPlane plane, int x, int y) {
  setCrosshair(voxelAt(image_.geometry(), axes(plane), slice(plane), x, y));
}

void ViewerState::scroll(ViewPlane plane, int steps) { goToSlice(plane, slice(plane) + steps); }

void ViewerState::goToSlice(ViewPlane plane, int64_t slice) {
  auto index = crosshair_;
  index[axes(plane).normal] = slice;
  setCrosshair(index);
}

void ViewerState::dragWindow(const WindowLevel& start, double dx, double dy, int viewWidthPixels) {
  window_ = dragged(start, dx, dy, valueSpan_ / std::max(viewWidthPixels, 1));
}

SliceImage ViewerState::picture(ViewPlane plane) const {
  const Volume& shown = shownLabels();
  return renderSlice(image_, axes(plane), slice(plane), window_,
                     Overlay{shown.empty() ? nullptr : &shown, &segments_.styles(), opacity_});
}

std::string ViewerState::statusText() const {
  const Vec3 index{static_cast<double>(crosshair_[0]), static_cast<double>(crosshair_[1]), static_cast<double>(crosshair_[2])};
  std::string text = studio::statusText(readoutAt(image_, image_.geometry().indexToPhysical(index)), image_.pixelType());
  if (const int64_t label = labelAtCrosshair(); label != 0) text += "  label " + std::to_string(label) + " " + segments_.name(label);
  return text;
}

}  // namespace krait::studio
