#pragma once
// Ctrl-C for long commands: the first SIGINT/SIGTERM sets a flag that the engine checks between tiles (it
// then stops with Error(Cancelled) before anything is written); a second one ends the process at once.
#include <atomic>

namespace krait::cli {

const std::atomic<bool>* installInterruptFlag();

}  // namespace krait::cli
