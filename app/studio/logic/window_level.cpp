#include "window_level.h"

#include <algorithm>
#include <cmath>

namespace krait::studio {

const std::vector<WindowPreset>& ctPresets() {
  static const std::vector<WindowPreset> presets{
      {"CT brain", {40.0, 80.0}},
      {"CT bone", {400.0, 1800.0}},
      {"CT lung", {-600.0, 1500.0}},
      {"CT abdomen", {40.0, 400.0}},
  };
  return presets;
}

int openingPreset(const ValueRange& range) {
  if (!(range.min <= -500.0 && range.max >= 300.0)) return -1;
  const auto& presets = ctPresets();
  for (size_t i = 0; i < presets.size(); ++i)
    if (presets[i].name == "CT abdomen") return static_cast<int>(i);
  return -1;
}

WindowLevel percentileWindow(const Volume& volume, double low, double high) {
  const Geometry& g = volume.geometry();
  const int64_t count = g.voxelCount();
  const int64_t stride = std::max<int64_t>(1, count / (int64_t{1} << 20));
  std::vector<double> values;
  values.reserve(static_cast<std::size_t>(count / stride + 1));
  dispatchPixelType(volume.pixelType(), [&](auto zero) {
    using T = decltype(zero);
    const T* voxels = volume.as<T>();  // channel 0 comes first (channel-major storage)
    for (int64_t n = 0; n < count; n += stride) {
      const double v = static_cast<double>(voxels[n]);
      if (std::isfinite(v)) values.push_back(v);
    }
  });
  if (values.empty()) return {};
  const auto at = [&](double percent) {
    const auto rank = static_cast<std::size_t>(std::llround(percent / 100.0 * static_cast<double>(values.size() - 1)));
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(rank), values.end());
    return values[rank];
  };
  const double lo = at(low), hi = at(high);
  // A constant image still gets a usable window: one unit wide around its value.
  return {(lo + hi) / 2.0, std::max(hi - lo, 1.0)};
}

WindowLevel dragged(const WindowLevel& start, double dxPixels, double dyPixels, double unitsPerPixel) {
  const double minimum = std::max(unitsPerPixel, 1e-6);
  return {start.center - dyPixels * unitsPerPixel, std::max(start.width + dxPixels * unitsPerPixel, minimum)};
}

}  // namespace krait::studio
