// The segment table's rows, recent files and the views' zoom.
#include <gtest/gtest.h>

#include "recent_files.h"
#include "segments.h"
#include "viewport.h"

using namespace krait::studio;

TEST(Segments, ManifestNamesAndColoursWithVoxelsAndVolume) {
  Segments segments;
  segments.describe({{1, "liver", {200, 100, 50}}, {2, "spleen", {0, 255, 0}}});
  segments.setVisible(2, false);
  const auto rows = segments.rows({{1, 1000, 8.0}, {4, 10, 0.08}});
  ASSERT_EQ(rows.size(), 3u);  // liver and spleen (named, spleen absent) and an unnamed label 4
  EXPECT_EQ(rows[0].name, "liver");
  EXPECT_EQ(rows[0].colour.r, 200);
  EXPECT_EQ(rows[0].voxels, 1000);
  EXPECT_DOUBLE_EQ(rows[0].millilitres, 8.0);
  EXPECT_EQ(rows[1].name, "spleen");
  EXPECT_FALSE(rows[1].visible);
  EXPECT_EQ(rows[1].voxels, 0);
  EXPECT_EQ(rows[2].name, "Label 4");
  EXPECT_EQ(rows[2].colour.r, labelColour(4).r);
  EXPECT_FALSE(segments.styles().at(2).visible);
  segments.clear();
  EXPECT_EQ(segments.name(1), "Label 1");
}

TEST(RecentFiles, MostRecentFirstEachOnceBounded) {
  std::vector<std::string> recent;
  for (const char* p : {"a", "b", "c", "b"}) recent = withRecent(recent, p, 3);
  EXPECT_EQ(recent, (std::vector<std::string>{"b", "c", "a"}));
  recent = withRecent(recent, "d", 3);
  EXPECT_EQ(recent, (std::vector<std::string>{"d", "b", "c"}));
}

TEST(Viewport, FitsWithTheTrueAspectAndZoomsAboutTheMouse) {
  Viewport v;
  // 200 x 100 mm in a 400 x 400 view: scale 2, centred vertically.
  Rect r = v.place(400, 400, 200, 100);
  EXPECT_DOUBLE_EQ(r.width, 400);
  EXPECT_DOUBLE_EQ(r.height, 200);
  EXPECT_DOUBLE_EQ(r.top, 100);
  // The picture point under (300, 150) stays there when zooming in.
  const double u = (300 - r.left) / r.width, w = (150 - r.top) / r.height;
  v.zoomAbout(2.0, 300, 150, 400, 400, 200, 100);
  r = v.place(400, 400, 200, 100);
  EXPECT_DOUBLE_EQ(r.width, 800);
  EXPECT_NEAR(r.left + u * r.width, 300, 1e-9);
  EXPECT_NEAR(r.top + w * r.height, 150, 1e-9);
  v.pan(10, -5);
  const Rect moved = v.place(400, 400, 200, 100);
  EXPECT_DOUBLE_EQ(moved.left, r.left + 10);
  EXPECT_DOUBLE_EQ(moved.top, r.top - 5);
  v.zoomAbout(1000, 0, 0, 400, 400, 200, 100);
  EXPECT_DOUBLE_EQ(v.zoom, 64.0);
}
