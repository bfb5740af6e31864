#include <gtest/gtest.h>
#include <sys/resource.h>

#include <torch/torch.h>

#include "krait/pipeline/memory.h"

namespace {

long minorFaults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

TEST(Memory, FreedLargeTensorsAreReusedWithoutFaultingPagesInAgain) {
  krait::keepFreedMemoryForReuse();
  krait::keepFreedMemoryForReuse();  // idempotent
  const int64_t n = int64_t{64} << 18;  // 64 MiB of floats
  void* first = nullptr;
  {
    torch::Tensor a = torch::ones({n});
    first = a.data_ptr();
  }
  const long before = minorFaults();
  torch::Tensor b = torch::empty({n - 1000});  // same 2 MiB-rounded size class
  b.fill_(2.0f);
  EXPECT_EQ(b.data_ptr(), first);
  EXPECT_LT(minorFaults() - before, 100);  // 16,384 pages would fault without the cache
  EXPECT_EQ(b.sum().item<double>(), 2.0 * static_cast<double>(n - 1000));
  // Small tensors and oneDNN's raw allocations still work.
  const torch::Tensor small = torch::arange(10);
  EXPECT_EQ(small.sum().item<int64_t>(), 45);
  const torch::Tensor conv = torch::conv2d(torch::ones({1, 2, 8, 8}), torch::ones({3, 2, 3, 3}));
  EXPECT_EQ(conv.max().item<float>(), 18.0f);
}

}  // namespace
