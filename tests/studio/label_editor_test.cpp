// Brush, eraser, whole-map replacement, undo/redo within the memory budget and the unsaved-changes flag.
#include <gtest/gtest.h>

#include <algorithm>

#include "krait/base/error.h"
#include "label_editor.h"
#include "slice_image.h"

using namespace krait;
using namespace krait::studio;

namespace {

Geometry grid(int64_t nx, int64_t ny, int64_t nz) {
  Geometry g;
  g.size = {nx, ny, nz};
  return g;
}

int64_t count(const Volume& v, LabelValue value) {
  const LabelValue* p = v.as<LabelValue>();
  return std::count(p, p + v.geometry().voxelCount(), value);
}

LabelValue labelAt(const Volume& v, int64_t i, int64_t j, int64_t k) { return static_cast<LabelValue>(v.valueAt(i, j, k)); }

}  // namespace

TEST(LabelEditor, BrushPaintsADiscOnTheViewedSlice) {
  LabelEditor editor;
  editor.reset(grid(20, 20, 5));
  const SliceAxes axial = sliceAxes(editor.labels().geometry(), ViewPlane::Axial);
  editor.paint(axial, 2, 10, 10, 5, 3);  // radius 2.5: 21 pixels
  EXPECT_EQ(count(editor.labels(), 3), 21);
  const auto centre = voxelAt(editor.labels().geometry(), axial, 2, 10, 10);
  EXPECT_EQ(labelAt(editor.labels(), centre[0], centre[1], 2), 3);
  EXPECT_EQ(labelAt(editor.labels(), centre[0], centre[1], 1), 0);  // other slices untouched
  editor.paint(axial, 2, 10, 10, 1, 0);                        // a one-voxel eraser
  EXPECT_EQ(count(editor.labels(), 3), 20);
  EXPECT_TRUE(editor.modified());
}

TEST(LabelEditor, DiscsAreClippedAtTheEdgeAndLinesLeaveNoGaps) {
  LabelEditor editor;
  editor.reset(grid(10, 10, 3));
  const SliceAxes coronal = sliceAxes(editor.labels().geometry(), ViewPlane::Coronal);
  editor.paint(coronal, 0, 0, 0, 3, 1);  // a corner: 4 of the disc's 9 pixels are inside
  EXPECT_EQ(count(editor.labels(), 1), 4);
  LabelEditor line;
  line.reset(grid(30, 30, 1));
  const SliceAxes axial = sliceAxes(line.labels().geometry(), ViewPlane::Axial);
  line.paintLine(axial, 0, 2, 5, 27, 5, 1, 2);
  EXPECT_EQ(count(line.labels(), 2), 26);
}

TEST(LabelEditor, UndoRedoRestoreEveryStrokeAndTheSavedState) {
  LabelEditor editor;
  editor.reset(grid(16, 16, 4));
  const SliceAxes axial = sliceAxes(editor.labels().geometry(), ViewPlane::Axial);
  EXPECT_FALSE(editor.modified());
  editor.beginStroke();
  editor.paintLine(axial, 1, 2, 2, 12, 2, 3, 1);
  editor.paintLine(axial, 1, 12, 2, 12, 12, 3, 1);  // crosses the first line: those voxels are recorded once
  editor.endStroke();
  const Volume afterStroke = editor.labels();
  editor.markSaved();
  editor.paint(axial, 1, 7, 7, 7, 2);
  const Volume afterSecond = editor.labels();
  EXPECT_TRUE(editor.modified());
  editor.undo();
  EXPECT_TRUE(editor.labels().sameVoxels(afterStroke));
  EXPECT_FALSE(editor.modified());  // back at what was saved
  editor.undo();
  EXPECT_EQ(count(editor.labels(), 0), 16 * 16 * 4);
  EXPECT_TRUE(editor.modified());
  EXPECT_FALSE(editor.canUndo());
  editor.redo();
  editor.redo();
  EXPECT_TRUE(editor.labels().sameVoxels(afterSecond));
  EXPECT_FALSE(editor.canRedo());
  editor.undo();
  editor.paint(axial, 0, 1, 1, 1, 5);  // a new edit drops the redo branch
  EXPECT_FALSE(editor.canRedo());
}

TEST(LabelEditor, HistoryStaysWithinItsBudget) {
  const std::size_t perVoxel = sizeof(uint64_t) + 2 * sizeof(LabelValue);
  LabelEditor editor(100 * perVoxel);
  editor.reset(grid(64, 64, 1));
  const SliceAxes axial = sliceAxes(editor.labels().geometry(), ViewPlane::Axial);
  for (int s = 0; s < 10; ++s) editor.paint(axial, 0, 3 + 6 * s, 10, 5, 1);  // 21 voxels each
  EXPECT_LE(editor.historyBytes(), 100 * perVoxel);
  int undos = 0;
  while (editor.canUndo()) editor.undo(), ++undos;
  EXPECT_EQ(undos, 4);  // the oldest strokes were dropped
  EXPECT_EQ(count(editor.labels(), 1), 6 * 21);
  // A step larger than the whole budget still happens but cannot be undone.
  Volume full(editor.labels().geometry(), PixelType::UInt8);
  std::fill(full.as<uint8_t>(), full.as<uint8_t>() + 64 * 64, 7);
  editor.replace(full);
  EXPECT_EQ(count(editor.labels(), 7), 64 * 64);
  EXPECT_FALSE(editor.canUndo());
  EXPECT_EQ(editor.historyBytes(), 0u);
}

TEST(LabelEditor, ReplaceTakesAnyIntegerMapAndRefusesOthers) {
  LabelEditor editor;
  editor.reset(grid(4, 4, 4));
  Volume ints(editor.labels().geometry(), PixelType::Int32);
  ints.as<int32_t>()[5] = 300;
  editor.replace(ints);
  EXPECT_EQ(editor.labels().as<LabelValue>()[5], 300);
  editor.undo();
  EXPECT_EQ(editor.labels().as<LabelValue>()[5], 0);
  Volume fractional(editor.labels().geometry(), PixelType::Float32);
  fractional.as<float>()[1] = 1.5f;
  EXPECT_THROW(editor.replace(fractional), Error);
  ints.as<int32_t>()[5] = -1;
  EXPECT_THROW(editor.replace(ints), Error);
  EXPECT_EQ(count(editor.labels(), 0), 64);  // a refused map changes nothing
  EXPECT_THROW(editor.replace(Volume(grid(4, 4, 5), PixelType::UInt8)), Error);
}

TEST(LabelEditor, SavedMapsAreUInt8WhenEveryLabelFits) {
  LabelEditor editor;
  editor.reset(grid(3, 3, 3));
  const SliceAxes axial = sliceAxes(editor.labels().geometry(), ViewPlane::Axial);
  editor.paint(axial, 0, 1, 1, 1, 255);
  Volume small = compactLabels(editor.labels());
  EXPECT_EQ(small.pixelType(), PixelType::UInt8);
  EXPECT_EQ(count(editor.labels(), 255), 1);
  EXPECT_EQ(small.valueAt(1, 1, 0), editor.labels().valueAt(1, 1, 0));
  editor.paint(axial, 0, 0, 0, 1, 256);
  EXPECT_EQ(compactLabels(editor.labels()).pixelType(), PixelType::UInt16);
}

TEST(LabelEditor, ALoadedMapHasNoHistoryAndARefusedOneKeepsTheEdits) {
  LabelEditor editor;
  editor.reset(grid(4, 4, 1));
  const SliceAxes axial = sliceAxes(editor.labels().geometry(), ViewPlane::Axial);
  editor.paint(axial, 0, 1, 1, 1, 9);
  Volume fractional(editor.labels().geometry(), PixelType::Float32);
  fractional.as<float>()[0] = 0.5f;
  EXPECT_THROW(editor.load(fractional), Error);
  EXPECT_EQ(count(editor.labels(), 9), 1);
  EXPECT_TRUE(editor.modified());
  Volume file(editor.labels().geometry(), PixelType::UInt8);
  file.as<uint8_t>()[3] = 4;
  editor.load(file);
  EXPECT_EQ(count(editor.labels(), 4), 1);
  EXPECT_FALSE(editor.modified());
  EXPECT_FALSE(editor.canUndo());
}
