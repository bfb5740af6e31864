// Decoded tiles kept for redrawing, least recently used first out once they hold more bytes than the budget. Used
// on the GUI thread only: the loader's workers hand their tiles to it there.
#pragma once

#include <QImage>

#include <cstdint>
#include <list>
#include <unordered_map>
#include <utility>

#include "tile_grid.h"

namespace krait::wsi {

class TileCache {
 public:
  explicit TileCache(int64_t budgetBytes = int64_t{256} << 20) : budget_(budgetBytes) {}

  // The tile, marked as just used; null when absent. Valid until the next insert.
  const QImage* find(const TileKey& key);
  bool contains(const TileKey& key) const { return index_.count(key) != 0; }
  // Adds or replaces a tile, then drops the least recently used others while over the budget (the new tile stays
  // even when it alone is over it).
  void insert(const TileKey& key, QImage image);
  void clear();

  int64_t bytes() const { return bytes_; }
  std::size_t size() const { return index_.size(); }

 private:
  using Entry = std::pair<TileKey, QImage>;
  int64_t budget_, bytes_ = 0;
  std::list<Entry> entries_;  // most recently used first
  std::unordered_map<TileKey, std::list<Entry>::iterator, TileKeyHash> index_;
};

}  // namespace krait::wsi
