#include "progress_bar.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <utility>

#include "krait/base/stopwatch.h"

namespace krait::cli {
namespace {

std::string clock(double seconds) {
  const auto s = static_cast<long>(seconds + 0.5);
  char text[32];
  if (s >= 3600) std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else std::snprintf(text, sizeof text, "%ld:%02ld", s / 60, s % 60);
  return text;
}

}  // namespace

ProgressBar::ProgressBar(bool enabled, std::string label)
    : enabled_(enabled && isatty(STDERR_FILENO)),
      label_(std::move(label)),
      start_(std::chrono::steady_clock::now()),
      networkStart_(start_) {}

void ProgressBar::update(const Progress& p) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (p.stage == "network" && p.done <= 1) networkStart_ = now;
  // Redraw at most ten times a second, but always show a stage change and the last tile.
  const bool last = p.done == p.total;
  if (!last && p.done > 1 && now - lastDraw_ < std::chrono::milliseconds(100)) return;
  lastDraw_ = now;
  std::string line = "  " + label_ + p.stage;
  if (p.stage == "network" && p.total > 0) {
    const int width = 24;
    const int filled = static_cast<int>(width * p.done / p.total);
    line += " [" + std::string(filled, '#') + std::string(width - filled, '.') + "] tile " + std::to_string(p.done) +
            "/" + std::to_string(p.total);
    line += "  elapsed " + clock(secondsSince(start_));
    if (p.done > 1) {
      const double perTile = secondsSince(networkStart_) / static_cast<double>(p.done - 1);
      line += "  remaining " + clock(perTile * static_cast<double>(p.total - p.done));
    }
  } else {
    line += "  elapsed " + clock(secondsSince(start_));
  }
  const size_t width = line.size();
  if (line.size() < lastWidth_) line.append(lastWidth_ - line.size(), ' ');
  lastWidth_ = width;
  std::cerr << "\r" << line << std::flush;
}

void ProgressBar::finish() {
  if (!enabled_ || lastWidth_ == 0) return;
  std::cerr << "\r" << std::string(lastWidth_, ' ') << "\r" << std::flush;
  lastWidth_ = 0;
}

}  // namespace krait::cli
