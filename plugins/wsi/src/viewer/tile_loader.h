// Reads a slide's tiles on a few worker threads, so that the GUI thread never waits for OpenSlide (a tile of a
// JPEG or JPEG 2000 slide takes milliseconds to decode, more from a network disk). The view asks for the tiles it
// lacks each time it is drawn; a new request replaces the one still waiting, so tiles that scrolled out of view
// before their turn are dropped unread and panning far never queues up a backlog.
#pragma once

#include <QImage>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "slide.h"
#include "tile_grid.h"

namespace krait::wsi {

class TileLoader {
 public:
  // Called on a worker thread with each tile read (Format_RGB32) or, with a null image, why it could not be.
  using Delivery = std::function<void(const TileKey& key, QImage image, const std::string& error)>;

  TileLoader(std::shared_ptr<const Slide> slide, int threads, Delivery deliver);
  // Drops what waits and waits for the reads in progress, their deliveries included.
  ~TileLoader();
  TileLoader(const TileLoader&) = delete;
  TileLoader& operator=(const TileLoader&) = delete;

  // The tiles wanted now, most wanted first. They replace the tiles still waiting (the others are dropped); a
  // tile being read already is not asked for twice.
  void request(const std::vector<TileKey>& wanted);

  std::size_t pending() const;  // waiting or being read
  uint64_t dropped() const;     // requests dropped unread since the loader started
  uint64_t delivered() const;   // tiles delivered (read or failed)

 private:
  void work();

  std::shared_ptr<const Slide> slide_;
  Delivery deliver_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<TileKey> waiting_;
  std::vector<TileKey> reading_;
  uint64_t dropped_ = 0, delivered_ = 0;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace krait::wsi
