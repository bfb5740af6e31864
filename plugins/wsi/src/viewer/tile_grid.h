// The slide viewer's tiles: squares of 256 x 256 pixels of one pyramid level, numbered by column and row from the
// level's top-left corner (edge tiles are cut at the level's edge), and where they lie in level-0 pixels, the
// coordinates the view, the overlays and OpenSlide's readRegion share.
#pragma once

#include <QRectF>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "slide.h"

namespace krait::wsi {

inline constexpr int kTileSize = 256;

struct TileKey {
  int level = 0;
  int64_t col = 0, row = 0;
  bool operator==(const TileKey&) const = default;
};

struct TileKeyHash {
  std::size_t operator()(const TileKey& k) const {
    return std::hash<int64_t>()(k.col * 1000003 + k.row) ^ (static_cast<std::size_t>(k.level) << 56);
  }
};

// A tile's pixels in its level and its footprint in level-0 pixels.
struct TileSpan {
  int64_t x0 = 0, y0 = 0;         // top-left corner in level-0 pixels, as readRegion takes it
  int64_t width = 0, height = 0;  // pixels of the level
  QRectF level0;                  // the area it covers, level-0 pixels
};

TileSpan tileSpan(const Level& level, const TileKey& key);

// The tiles of `level` that meet `area` (level-0 pixels), nearest the area's centre first: the order to read them
// in, so that the middle of the screen fills first.
std::vector<TileKey> tilesCovering(const std::vector<Level>& levels, int level, const QRectF& area);

}  // namespace krait::wsi
