// The state the linked slice views share.
#include <gtest/gtest.h>

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
