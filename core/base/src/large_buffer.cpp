#include "krait/base/large_buffer.h"

#include <sys/mman.h>

#include <cstdlib>
#include <new>

namespace krait {

namespace {
constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kLarge = std::size_t{8} << 20;  // below this the faults cost little
}  // namespace

void* allocateLarge(std::size_t bytes) {
  if (bytes < kLarge) return ::operator new(bytes);
  const std::size_t size = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* p = std::aligned_alloc(kHugePage, size);
  if (!p) throw std::bad_alloc();
  // Advice only: where THP is off the buffer simply keeps 4 KiB pages.
  madvise(p, size, MADV_HUGEPAGE);
  return p;
}

void freeLarge(void* p, std::size_t bytes) {
  if (bytes < kLarge) ::operator delete(p);
  else std::free(p);
}

}  // namespace krait
