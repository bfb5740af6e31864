#pragma once
// How many cores this process may use: the engine sizes LibTorch's threads by it (krait/pipeline/threads.h) and io
// its .nii.gz compression, which does not link the engine.

namespace krait {

// Number of cores this process may run on (affinity-aware: taskset, a container's or a batch scheduler's cpuset),
// at least 1.
int availableCores();

}  // namespace krait
