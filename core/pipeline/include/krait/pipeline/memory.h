#pragma once
// Process-wide memory policy for inference.

namespace krait {

// Makes freed memory stay in the process for the next allocation instead of going back to the kernel: CPU
// tensors of 1 MiB and more come from a cache of freed blocks. A network forward allocates and frees gigabytes
// of tensors; given back, each is faulted in again page by page on the next tile, which cost up to 70% of a
// forward on the development VM (docs/benchmarks.md). The price: up to a quarter of the machine's memory (at
// least 4 GiB) kept beyond the live tensors. Call before the first tensor; later calls do nothing.
void keepFreedMemoryForReuse();

}  // namespace krait
