#include "krait/pipeline/memory.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>
#include <c10/util/Exception.h>
#include <torch/version.h>

#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <unordered_map>

#include "krait/base/large_buffer.h"

namespace krait {

namespace {

// Large CPU tensors (network activations: megabytes to gigabytes) come from a cache of blocks that earlier
// tensors gave back; everything smaller goes to LibTorch's allocator. Sizes are rounded up to 2 MiB so that a
// tile's repeated shapes find their blocks again. Cached blocks beyond maxCached() are returned, largest first.
// New blocks are allocateLarge's (2 MiB-aligned, transparent huge pages where the kernel offers them): a block the
// cache cannot serve is faulted in 2 MiB at a time instead of 4 KiB, which on a virtual machine costs ~11 µs a fault.
class CachingCpuAllocator final : public c10::Allocator {
 public:
  static CachingCpuAllocator& instance() {
    static auto* const allocator = new CachingCpuAllocator;  // never destroyed: tensors may outlive statics
    return *allocator;
  }

// LibTorch 2.3 made allocate() non-const and added copy_data().
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
  c10::DataPtr allocate(size_t bytes) override { return allocateBlock(bytes); }
  void copy_data(void* dest, const void* src, std::size_t count) const override { std::memcpy(dest, src, count); }
#else
  c10::DataPtr allocate(size_t bytes) const override { return allocateBlock(bytes); }
#endif

  c10::DeleterFnPtr raw_deleter() const override { return &release; }

 private:
  static constexpr size_t kMinBytes = size_t{1} << 20, kRound = size_t{2} << 20;

  // A quarter of the machine's memory, at least 4 GiB. A cap below a tile's working set makes every forward
  // evict blocks and fault them in again: LightM-UNet 3D's 128³ tile holds 4.7 GiB of such blocks, and at a 4 GiB
  // cap each of its forwards faulted in ~2 GiB afresh (docs/benchmarks.md).
  static size_t maxCached() {
    const long pages = sysconf(_SC_PHYS_PAGES), pageBytes = sysconf(_SC_PAGESIZE);
    const size_t physical = pages > 0 && pageBytes > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(pageBytes) : 0;
    return std::max(size_t{4} << 30, physical / 4);
  }

  CachingCpuAllocator() : fallback_(c10::GetDefaultCPUAllocator()), maxCached_(maxCached()) {}

  static void release(void* data) { instance().give(data); }

  c10::DataPtr allocateBlock(size_t bytes) const {
    if (bytes < kMinBytes) return fallback_->allocate(bytes);
    void* data = const_cast<CachingCpuAllocator*>(this)->take((bytes + kRound - 1) / kRound * kRound);
    return {data, data, &release, c10::Device(c10::DeviceType::CPU)};
  }

  void* take(size_t bytes) {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      // The smallest cached block that fits without wasting more than a quarter of it.
      const auto it = cached_.lower_bound(bytes);
      if (it != cached_.end() && it->first <= bytes + bytes / 4) {
        void* data = it->second;
        live_[data] = it->first;
        cachedBytes_ -= it->first;
        cached_.erase(it);
        return data;
      }
    }
    void* data = nullptr;
    try {
      data = allocateLarge(bytes);
    } catch (const std::bad_alloc&) {  // LibTorch's own type, as its allocator throws
      TORCH_CHECK_WITH(OutOfMemoryError, false, "not enough memory: you tried to allocate ", bytes, " bytes");
    }
    const std::lock_guard<std::mutex> lock(mutex_);
    live_[data] = bytes;
    return data;
  }

  void give(void* data) {
    const std::lock_guard<std::mutex> lock(mutex_);
    const auto it = live_.find(data);
    if (it == live_.end()) {  // a small block that raw_allocate (oneDNN) took from the fallback allocator
      c10::free_cpu(data);
      return;
    }
    const size_t bytes = it->second;
    live_.erase(it);
    cached_.emplace(bytes, data);
    cachedBytes_ += bytes;
    while (cachedBytes_ > maxCached_) {
      const auto largest = std::prev(cached_.end());
      cachedBytes_ -= largest->first;
      freeLarge(largest->second, largest->first);
      cached_.erase(largest);
    }
  }

  c10::Allocator* fallback_;
  const size_t maxCached_;
  std::mutex mutex_;
  std::unordered_map<void*, size_t> live_;
  std::multimap<size_t, void*> cached_;
  size_t cachedBytes_ = 0;
};

}  // namespace

void keepFreedMemoryForReuse() {
  static std::once_flag once;
  std::call_once(once, [] { c10::SetCPUAllocator(&CachingCpuAllocator::instance(), /*priority=*/1); });
}

}  // namespace krait
