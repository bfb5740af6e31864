#include "label_editor.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "krait/base/error.h"
#include "slice_image.h"

namespace krait::studio {

LabelEditor::LabelEditor(std::size_t historyBudgetBytes) : budget_(historyBudgetBytes) {}

void LabelEditor::reset(const Geometry& grid) {
  grid_ = grid;
  hasGrid_ = true;
  labels_ = Volume();
  undo_.clear();
  redo_.clear();
  stroking_ = false;
  revision_ = savedRevision_ = nextRevision_++;
}

Volume& LabelEditor::map() const {
  if (labels_.empty() && hasGrid_) labels_ = Volume(grid_, PixelType::UInt16);
  return labels_;
}

void LabelEditor::replace(const Volume& labels) {
  if (!hasGrid_ || labels.geometry().size != grid_.size)
    throw Error(ErrorKind::Input, "the label map's grid differs from the image's");
  Step step;
  const int64_t n = grid_.voxelCount();
  const LabelValue* current = map().as<LabelValue>();
  dispatchPixelType(labels.pixelType(), [&](auto zero) {
    using T = decltype(zero);
    const T* incoming = labels.as<T>();
    for (int64_t i = 0; i < n; ++i) {
      const double v = static_cast<double>(incoming[i]);
      if (v < 0 || v > 65535 || v != std::floor(v))
        throw Error(ErrorKind::Input, "label maps hold whole numbers 0..65535; found " + std::to_string(v));
      const auto value = static_cast<LabelValue>(v);
      if (value == current[i]) continue;
      step.index.push_back(static_cast<uint64_t>(i));
      step.before.push_back(current[i]);
      step.after.push_back(value);
    }
  });
  LabelValue* out = map().as<LabelValue>();
  for (std::size_t s = 0; s < step.index.size(); ++s) out[step.index[s]] = step.after[s];
  commit(std::move(step));
}

void LabelEditor::load(const Volume& labels) {
  replace(labels);
  undo_.clear();
  redo_.clear();
  markSaved();
}

void LabelEditor::beginStroke() {
  stroking_ = true;
  stroke_ = Step{};
  strokeSlot_.clear();
}

void LabelEditor::set(uint64_t index, LabelValue value) {
  LabelValue& voxel = map().as<LabelValue>()[index];
  if (voxel == value) return;
  const auto [slot, added] = strokeSlot_.try_emplace(index, stroke_.index.size());
  if (added) {
    stroke_.index.push_back(index);
    stroke_.before.push_back(voxel);
    stroke_.after.push_back(value);
  } else {
    stroke_.after[slot->second] = value;
  }
  voxel = value;
}

void LabelEditor::paint(const SliceAxes& axes, int64_t slice, int x, int y, int diameter, LabelValue value) {
  if (!hasGrid_) return;
  const bool ownStroke = !stroking_;
  if (ownStroke) beginStroke();
  const Geometry& g = grid_;
  const int width = static_cast<int>(g.size[axes.right]), height = static_cast<int>(g.size[axes.up]);
  const double radius = std::max(diameter, 1) / 2.0;
  const int reach = static_cast<int>(std::floor(radius));
  if (slice >= 0 && slice < g.size[axes.normal])
    for (int dy = -reach; dy <= reach; ++dy)
      for (int dx = -reach; dx <= reach; ++dx) {
        const int px = x + dx, py = y + dy;
        if (px < 0 || py < 0 || px >= width || py >= height || dx * dx + dy * dy > radius * radius) continue;
        const auto v = voxelAt(g, axes, slice, px, py);
        set(static_cast<uint64_t>((v[2] * g.size[1] + v[1]) * g.size[0] + v[0]), value);
      }
  if (ownStroke) endStroke();
}

void LabelEditor::paintLine(const SliceAxes& axes, int64_t slice, int x0, int y0, int x1, int y1, int diameter,
                            LabelValue value) {
  const int steps = std::max(std::abs(x1 - x0), std::abs(y1 - y0));
  for (int s = 0; s <= steps; ++s) {
    const double t = steps == 0 ? 0.0 : static_cast<double>(s) / steps;
    paint(axes, slice, static_cast<int>(std::lround(x0 + t * (x1 - x0))), static_cast<int>(std::lround(y0 + t * (y1 - y0))),
          diameter, value);
  }
}

void LabelEditor::endStroke() {
  if (!stroking_) return;
  stroking_ = false;
  strokeSlot_.clear();
  commit(std::move(stroke_));
  stroke_ = Step{};
}

void LabelEditor::commit(Step step) {
  if (step.index.empty()) return;
  step.revisionBefore = revision_;
  step.revisionAfter = revision_ = nextRevision_++;
  redo_.clear();
  if (step.bytes() > budget_) {
    undo_.clear();
    return;
  }
  undo_.push_back(std::move(step));
  trimHistory();
}

std::size_t LabelEditor::historyBytes() const {
  std::size_t bytes = 0;
  for (const Step& s : undo_) bytes += s.bytes();
  for (const Step& s : redo_) bytes += s.bytes();
  return bytes;
}

void LabelEditor::trimHistory() {
  for (std::size_t bytes = historyBytes(); bytes > budget_ && !undo_.empty(); undo_.pop_front())
    bytes -= undo_.front().bytes();
}

void LabelEditor::undo() { travel(undo_, redo_, false); }

void LabelEditor::redo() { travel(redo_, undo_, true); }

void LabelEditor::travel(std::deque<Step>& from, std::deque<Step>& to, bool forward) {
  if (from.empty()) return;
  Step step = std::move(from.back());
  from.pop_back();
  LabelValue* out = map().as<LabelValue>();
  const std::vector<LabelValue>& values = forward ? step.after : step.before;
  for (std::size_t s = 0; s < step.index.size(); ++s) out[step.index[s]] = values[s];
  revision_ = forward ? step.revisionAfter : step.revisionBefore;
  to.push_back(std::move(step));
}

Volume compactLabels(const Volume& labels) {
  const LabelValue* in = labels.as<LabelValue>();
  const std::size_t n = labels.elementCount();
  if (std::any_of(in, in + n, [](LabelValue v) { return v > 255; })) return labels;
  Volume out(labels.geometry(), PixelType::UInt8);
  std::copy(in, in + n, out.as<uint8_t>());
  return out;
}

}  // namespace krait::studio
