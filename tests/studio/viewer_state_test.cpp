// The state the linked slice views share.
#include <gtest/gtest.h>

#include "krait/base/error.h"
#include "viewer_state.h"

using namespace krait;
using namespace krait::studio;

// The shared state of the linked views: a click in one view moves the others' slices.
TEST(ViewerState, ClicksLinkTheViews) {
  Geometry g;
  g.size = {8, 9, 10};
  Volume v(g, PixelType::Int16);
  v.as<int16_t>()[(7 * 9 + 2) * 8 + 5] = 99;  // voxel (5, 2, 7)
  ViewerState state;
  state.setImage(std::move(v));
  EXPECT_EQ(state.crosshair(), (std::array<int64_t, 3>{4, 4, 5}));
  state.scroll(ViewPlane::Axial, 2);  // axial slices run along k
  EXPECT_EQ(state.slice(ViewPlane::Axial), 7);
  // In the axial picture, x runs along i and row 0 is j = 0 (anterior: j runs toward posterior).
  state.pointAt(ViewPlane::Axial, 5, 2);
  EXPECT_EQ(state.crosshair(), (std::array<int64_t, 3>{5, 2, 7}));
  EXPECT_EQ(state.slice(ViewPlane::Sagittal), 5);
  EXPECT_EQ(state.slice(ViewPlane::Coronal), 2);
  EXPECT_EQ(state.statusText(), "voxel (5, 2, 7)  5.0, 2.0, 7.0 mm (LPS)  value 99");
  const SlicePixel p = state.crosshairPixel(ViewPlane::Coronal);
  EXPECT_EQ(p.x, 5);
  EXPECT_EQ(p.y, 10 - 1 - 7);  // superior up: k = 7 is row 2 of 10
  state.scroll(ViewPlane::Axial, 100);
  EXPECT_EQ(state.slice(ViewPlane::Axial), 9);
  const WindowLevel before = state.window();
  state.dragWindow(before, 50.0, 0.0, 100);  // half the view's width: half the value range (99) wider
  EXPECT_NEAR(state.window().width, before.width + 49.5, 1e-9);
}

// A segmentation shows as a preview over the image; accepting makes it the edited map (one undoable step),
// discarding leaves the map as it was.
TEST(ViewerState, PreviewAcceptDiscardAndLoadedMaps) {
  Geometry g;
  g.size = {6, 6, 6};
  ViewerState state;
  state.setImage(Volume(g, PixelType::Int16));
  Volume seg(g, PixelType::UInt8);
  seg.as<uint8_t>()[(3 * 6 + 3) * 6 + 3] = 2;  // the centre voxel, where the crosshair is
  state.setPreview(seg, {{2, "tumour", {0, 0, 255}}});
  EXPECT_TRUE(state.hasPreview());
  EXPECT_EQ(state.labelAtCrosshair(), 2);
  EXPECT_NE(state.statusText().find("label 2 tumour"), std::string::npos);
  const SlicePixel p = state.crosshairPixel(ViewPlane::Axial);
  const uint32_t shown = state.picture(ViewPlane::Axial).pixels[static_cast<size_t>(p.y) * 6 + p.x];
  EXPECT_GT((shown & 0xff) - (shown >> 16 & 0xff), 120u);  // half the label's blue over grey
  EXPECT_FALSE(state.labels().modified());
  state.discardPreview();
  EXPECT_EQ(state.labelAtCrosshair(), 0);
  EXPECT_EQ(state.labelAuthor().model, "");
  state.setPreview(seg, {}, {"tumour-model", "0123abcd"});
  EXPECT_EQ(state.labelAuthor().model, "");  // a preview is not the labels yet
  state.acceptPreview();
  EXPECT_FALSE(state.hasPreview());
  EXPECT_EQ(state.labelAtCrosshair(), 2);
  EXPECT_TRUE(state.labels().modified());
  EXPECT_EQ(state.labelAuthor().model, "tumour-model");
  EXPECT_EQ(state.labelAuthor().version, "0123abcd");
  state.labels().undo();
  EXPECT_EQ(state.labelAtCrosshair(), 0);

  state.loadLabels(seg, "seg.nii.gz");
  EXPECT_EQ(state.labelAuthor().model, "");  // a file's maker is not known
  EXPECT_EQ(state.labelAtCrosshair(), 2);
  EXPECT_FALSE(state.labels().modified());
  EXPECT_FALSE(state.labels().canUndo());
  Geometry shifted = g;
  shifted.origin = {0, 0, 1};
  Volume elsewhere(shifted, PixelType::UInt8);
  try {
    state.loadLabels(elsewhere, "other.nii.gz");
    ADD_FAILURE() << "a map on another grid was taken";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("other.nii.gz"), std::string::npos);
  }
  EXPECT_EQ(state.labelAtCrosshair(), 2);  // the refused map left the current one alone
}

TEST(ViewerState, TheToolDecidesWhatADragDoes) {
  Geometry g;
  g.size = {10, 10, 3};
  ViewerState state;
  state.setImage(Volume(g, PixelType::Int16));
  EXPECT_FALSE(state.paint(ViewPlane::Axial, 1, 1, 8, 1));  // navigate
  state.tool() = {Tool::Brush, 1, 4};
  state.labels().beginStroke();
  EXPECT_TRUE(state.paint(ViewPlane::Axial, 1, 1, 8, 1));
  state.labels().endStroke();
  const auto v = voxelAt(g, state.axes(ViewPlane::Axial), state.slice(ViewPlane::Axial), 3, 1);
  EXPECT_EQ(state.labels().labels().valueAt(v[0], v[1], v[2]), 4);
  state.tool().tool = Tool::Eraser;
  state.labels().beginStroke();
  state.paint(ViewPlane::Axial, 3, 1, 3, 1);
  state.labels().endStroke();
  EXPECT_EQ(state.labels().labels().valueAt(v[0], v[1], v[2]), 0);
  state.setPreview(Volume(g, PixelType::UInt8), {});
  EXPECT_FALSE(state.paint(ViewPlane::Axial, 1, 1, 8, 1));  // the preview must be accepted or discarded first
}
