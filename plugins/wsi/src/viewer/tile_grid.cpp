#include "tile_grid.h"

#include <algorithm>
#include <cmath>

namespace krait::wsi {

TileSpan tileSpan(const Level& level, const TileKey& key) {
  TileSpan s;
  const int64_t left = key.col * kTileSize, top = key.row * kTileSize;
  s.width = std::min<int64_t>(kTileSize, level.width - left);
  s.height = std::min<int64_t>(kTileSize, level.height - top);
  // OpenSlide places a level's pixel p at level-0 p * downsample; rounding the corner to a whole level-0 pixel
  // moves a tile by at most half a level-0 pixel, which no zoom shows.
  s.x0 = std::llround(static_cast<double>(left) * level.downsample);
  s.y0 = std::llround(static_cast<double>(top) * level.downsample);
  s.level0 = QRectF(static_cast<double>(left) * level.downsample, static_cast<double>(top) * level.downsample,
                    static_cast<double>(s.width) * level.downsample, static_cast<double>(s.height) * level.downsample);
  return s;
}

std::vector<TileKey> tilesCovering(const std::vector<Level>& levels, int level, const QRectF& area) {
  if (level < 0 || level >= static_cast<int>(levels.size()) || area.isEmpty()) return {};
  const Level& l = levels[static_cast<std::size_t>(level)];
  const double side = kTileSize * l.downsample;  // a tile's side in level-0 pixels
  const int64_t cols = (l.width + kTileSize - 1) / kTileSize, rows = (l.height + kTileSize - 1) / kTileSize;
  const int64_t c0 = std::max<int64_t>(0, static_cast<int64_t>(std::floor(area.left() / side)));
  const int64_t c1 = std::min<int64_t>(cols, static_cast<int64_t>(std::ceil(area.right() / side)));
  const int64_t r0 = std::max<int64_t>(0, static_cast<int64_t>(std::floor(area.top() / side)));
  const int64_t r1 = std::min<int64_t>(rows, static_cast<int64_t>(std::ceil(area.bottom() / side)));
  std::vector<TileKey> keys;
  for (int64_t r = r0; r < r1; ++r)
    for (int64_t c = c0; c < c1; ++c) keys.push_back({level, c, r});
  const QPointF middle = area.center() / side - QPointF(0.5, 0.5);
  auto distance = [&](const TileKey& k) {
    const double dx = static_cast<double>(k.col) - middle.x(), dy = static_cast<double>(k.row) - middle.y();
    return dx * dx + dy * dy;
  };
  std::stable_sort(keys.begin(), keys.end(), [&](const TileKey& a, const TileKey& b) { return distance(a) < distance(b); });
  return keys;
}

}  // namespace krait::wsi
