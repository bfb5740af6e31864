#pragma once
// Storage for whole volumes and files (hundreds of MB), asking the kernel for transparent huge pages
// (Debian's default THP mode, `madvise`, gives them only on request). Every fresh buffer is faulted in page by
// page on first touch; for a 512x512x300 CT (157 MB) that is 38,000 faults of 4 KiB, about 0.45 s on the
// development VM, against 75 of 2 MiB (docs/benchmarks.md, krait-studio). Small buffers use operator new.
#include <cstddef>
#include <vector>

namespace krait {

void* allocateLarge(std::size_t bytes);
void freeLarge(void* p, std::size_t bytes);

template <typename T>
struct LargeBufferAllocator {
  using value_type = T;
  LargeBufferAllocator() = default;
  template <typename U>
  LargeBufferAllocator(const LargeBufferAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(allocateLarge(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { freeLarge(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const LargeBufferAllocator<U>&) const noexcept { return true; }
  template <typename U>
  bool operator!=(const LargeBufferAllocator<U>&) const noexcept { return false; }
};

template <typename T>
using LargeBuffer = std::vector<T, LargeBufferAllocator<T>>;

}  // namespace krait
