#pragma once
// CPU parallelism for the engine. Debian's LibTorch starts with one intra-op thread; Krait uses every core
// unless told otherwise, because the networks are convolution-bound.
#include "krait/base/cpu_cores.h"  // availableCores(), shared with io

namespace krait {

// Sets LibTorch's intra-op threads (and OpenBLAS's through LibTorch). n <= 0 means availableCores().
// Returns the count in effect.
int configureThreads(int n);

}  // namespace krait
