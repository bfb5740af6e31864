#pragma once
// Wall time per top-level ATen operator (and per RECORD_FUNCTION scope such as "krait::selective_scan") on
// the calling thread, through ATen's RecordFunction callbacks. Nested operators are charged to the outermost.
#include <map>
#include <string>

namespace krait::bench {

class OpTimer {
 public:
  OpTimer();
  ~OpTimer();
  OpTimer(const OpTimer&) = delete;
  OpTimer& operator=(const OpTimer&) = delete;
  const std::map<std::string, double>& seconds() const;  // operator name -> total seconds
  void clear();
};

}  // namespace krait::bench
