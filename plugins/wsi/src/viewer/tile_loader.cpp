#include "tile_loader.h"

#include <algorithm>

#include "to_qimage.h"

namespace krait::wsi {

TileLoader::TileLoader(std::shared_ptr<const Slide> slide, int threads, Delivery deliver)
    : slide_(std::move(slide)), deliver_(std::move(deliver)) {
  for (int i = 0; i < std::max(1, threads); ++i) workers_.emplace_back([this] { work(); });
}

TileLoader::~TileLoader() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
    dropped_ += waiting_.size();
    waiting_.clear();
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void TileLoader::request(const std::vector<TileKey>& wanted) {
  {
    const std::lock_guard lock(mutex_);
    std::deque<TileKey> next;
    for (const TileKey& key : wanted)
      if (std::find(reading_.begin(), reading_.end(), key) == reading_.end()) next.push_back(key);
    for (const TileKey& key : waiting_)
      if (std::find(next.begin(), next.end(), key) == next.end()) ++dropped_;
    waiting_ = std::move(next);
  }
  wake_.notify_all();
}

std::size_t TileLoader::pending() const {
  const std::lock_guard lock(mutex_);
  return waiting_.size() + reading_.size();
}

uint64_t TileLoader::dropped() const {
  const std::lock_guard lock(mutex_);
  return dropped_;
}

uint64_t TileLoader::delivered() const {
  const std::lock_guard lock(mutex_);
  return delivered_;
}

void TileLoader::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || !waiting_.empty(); });
    if (stop_) return;
    const TileKey key = waiting_.front();
    waiting_.pop_front();
    reading_.push_back(key);
    lock.unlock();
    QImage image;
    std::string error;
    try {
      const TileSpan span = tileSpan(slide_->levels().at(static_cast<std::size_t>(key.level)), key);
      image = toQImage(slide_->readRegion(span.x0, span.y0, key.level, span.width, span.height));
    } catch (const std::exception& e) {
      error = e.what();
    }
    deliver_(key, std::move(image), error);
    lock.lock();
    reading_.erase(std::find(reading_.begin(), reading_.end(), key));
    ++delivered_;
  }
}

}  // namespace krait::wsi
