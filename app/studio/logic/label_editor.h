#pragma once
// The label map being reviewed and edited: brush and eraser strokes on slices, whole-map replacements (an
// accepted segmentation, a loaded map), undo/redo within a memory budget, and whether there are unsaved
// changes. Every step is kept as the voxels it changed (index, before, after), so the history costs memory in
// proportion to the edit, not to the volume.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "view_axes.h"
#include "krait/base/volume.h"

namespace krait::studio {

using LabelValue = uint16_t;

class LabelEditor {
 public:
  // The history drops its oldest steps to stay within `historyBudgetBytes`; a single step larger than the
  // budget clears the history (the edit itself still happens).
  explicit LabelEditor(std::size_t historyBudgetBytes = std::size_t{512} << 20);

  // An empty (all 0) map on `grid`; history cleared, nothing unsaved. The voxels are allocated on first use:
  // zeroing a CT-sized map costs more than the rest of opening the image.
  void reset(const Geometry& grid);
  bool empty() const { return !hasGrid_; }
  // All 0 and not allocated yet (nothing painted, loaded or accepted since reset).
  bool blank() const { return labels_.empty(); }
  // UInt16 voxels on the image's grid.
  const Volume& labels() const { return map(); }

  // Replaces every voxel by `labels`' (any integer type, same grid size) as one undoable step. Throws
  // Error(Input) for another grid size or values outside 0..65535 or not whole.
  void replace(const Volume& labels);

  // The map becomes `labels` (a file's content): no history, nothing unsaved. Throws as replace(), changing
  // nothing.
  void load(const Volume& labels);

  // A stroke: every paint() between begin and end is one undoable step. paint() sets the voxels of slice
  // `slice` within a disc of `diameter` voxels around picture pixel (x, y) to `value` (0 erases); paintLine
  // covers the segment between two pixels, so fast drags leave no gaps.
  void beginStroke();
  void paint(const SliceAxes& axes, int64_t slice, int x, int y, int diameter, LabelValue value);
  void paintLine(const SliceAxes& axes, int64_t slice, int x0, int y0, int x1, int y1, int diameter, LabelValue value);
  void endStroke();

  bool canUndo() const { return !undo_.empty(); }
  bool canRedo() const { return !redo_.empty(); }
  void undo();
  void redo();
  std::size_t historyBytes() const;

  // Changes since the last markSaved() (undoing back to the saved state counts as no change).
  bool modified() const { return revision_ != savedRevision_; }
  void markSaved() { savedRevision_ = revision_; }

 private:
  struct Step {
    std::vector<uint64_t> index;
    std::vector<LabelValue> before, after;
    uint64_t revisionBefore = 0, revisionAfter = 0;
    std::size_t bytes() const { return index.size() * (sizeof(uint64_t) + 2 * sizeof(LabelValue)); }
  };
  Volume& map() const;
  void set(uint64_t index, LabelValue value);
  void commit(Step step);
  // Undo (forward = false) or redo: the last step of `from` is applied and moves to `to`.
  void travel(std::deque<Step>& from, std::deque<Step>& to, bool forward);
  void trimHistory();

  std::size_t budget_;
  Geometry grid_;
  bool hasGrid_ = false;
  mutable Volume labels_;
  std::deque<Step> undo_, redo_;
  bool stroking_ = false;
  Step stroke_;
  std::unordered_map<uint64_t, std::size_t> strokeSlot_;  // voxel -> its entry in stroke_
  uint64_t revision_ = 0, nextRevision_ = 1, savedRevision_ = 0;
};

// The map as it is saved: UInt8 when every label fits (what nnU-Net writes), else UInt16.
Volume compactLabels(const Volume& labels);

}  // namespace krait::studio
