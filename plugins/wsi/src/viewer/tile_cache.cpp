#include "tile_cache.h"

namespace krait::wsi {

const QImage* TileCache::find(const TileKey& key) {
  const auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  entries_.splice(entries_.begin(), entries_, it->second);
  return &it->second->second;
}

void TileCache::insert(const TileKey& key, QImage image) {
  if (const auto it = index_.find(key); it != index_.end()) {
    bytes_ -= it->second->second.sizeInBytes();
    entries_.erase(it->second);
    index_.erase(it);
  }
  bytes_ += image.sizeInBytes();
  entries_.emplace_front(key, std::move(image));
  index_[key] = entries_.begin();
  while (bytes_ > budget_ && entries_.size() > 1) {
    bytes_ -= entries_.back().second.sizeInBytes();
    index_.erase(entries_.back().first);
    entries_.pop_back();
  }
}

void TileCache::clear() {
  entries_.clear();
  index_.clear();
  bytes_ = 0;
}

}  // namespace krait::wsi
