#pragma once
// The one-line progress display of long commands on a terminal: stage, tile i/n, elapsed and remaining
// time. Silent when stderr is not a terminal, so logs and pipes stay clean.
#include <chrono>
#include <string>

#include "krait/engine/segmenter.h"

namespace krait::cli {

class ProgressBar {
 public:
  // `label` comes first on the line (krait batch: which case).
  explicit ProgressBar(bool enabled, std::string label = "");
  void update(const Progress& p);
  // Clears the line.
  void finish();

 private:
  bool enabled_;
  std::string label_;
  std::chrono::steady_clock::time_point start_, networkStart_;
  std::chrono::steady_clock::time_point lastDraw_{};
  size_t lastWidth_ = 0;
};

}  // namespace krait::cli
