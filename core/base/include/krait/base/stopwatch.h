#pragma once
// Stage timings: every front end and benchmark reports seconds the same way.
#include <chrono>

namespace krait {

inline double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace krait
