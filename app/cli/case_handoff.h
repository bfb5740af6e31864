#pragma once
// Cases handed from one thread of a krait batch worker to the next (reader to segmenter, segmenter to writer),
// in the order they were taken. A case that holds volumes (read, or segmented) takes the hand-off's one place
// until the next thread releases it, which bounds memory to one such case per hand-off; a case without volumes
// (skipped, or failed) passes at once, in its place in the order.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace krait::cli {

template <class Case>
class CaseHandoff {
 public:
  // Waits until the place is free; false once closed.
  bool waitForRoom() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return closed_ || !taken_; });
    return !closed_;
  }

  // A case with volumes waits for the place first. False once closed: the case is dropped.
  bool push(Case c, bool holdsVolumes) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (holdsVolumes) changed_.wait(lock, [&] { return closed_ || !taken_; });
    if (closed_) return false;
    taken_ = taken_ || holdsVolumes;
    cases_.push_back(std::move(c));
    changed_.notify_all();
    return true;
  }

  // The next case; none once closed with nothing left.
  std::optional<Case> pop() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return closed_ || !cases_.empty(); });
    if (cases_.empty()) return std::nullopt;
    std::optional<Case> c(std::move(cases_.front()));
    cases_.pop_front();
    return c;
  }

  // The case with volumes that was popped is done with.
  void release() {
    const std::lock_guard<std::mutex> lock(mutex_);
    taken_ = false;
    changed_.notify_all();
  }

  // Nothing more comes in: pushes fail, waits end, pops take what is left.
  void close() {
    const std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Case> cases_;
  bool taken_ = false, closed_ = false;
};

}  // namespace krait::cli
