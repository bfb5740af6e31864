#pragma once
// Numbers as reports print them: measured quantities (seconds, mL, GiB) to a fixed number of decimals, and
// values read from files to the nine significant digits that give back a float32 header value, never -0.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace krait::cli {

inline double decimals(double v, int places) {
  const double scale = std::pow(10.0, places);
  const double r = std::round(v * scale) / scale;
  return r == 0.0 ? 0.0 : r;
}

inline double significant(double v, int digits = 9) {
  if (v == 0.0 || !std::isfinite(v)) return v == 0.0 ? 0.0 : v;
  char text[40];
  std::snprintf(text, sizeof text, "%.*g", digits, v);
  return std::strtod(text, nullptr);
}

template <typename Values>
std::vector<double> significant(const Values& values) {
  std::vector<double> out;
  for (double v : values) out.push_back(significant(v));
  return out;
}

}  // namespace krait::cli
