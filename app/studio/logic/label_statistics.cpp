#include "label_statistics.h"

#include <cmath>
#include <map>
#include <type_traits>

#include "krait/base/error.h"

namespace krait::studio {

std::vector<LabelStatistics> labelStatistics(const Volume& labels) {
  std::map<int64_t, int64_t> counts;
  const int64_t n = labels.geometry().voxelCount();
  dispatchPixelType(labels.pixelType(), [&](auto zero) {
    using T = decltype(zero);
    const T* v = labels.as<T>();
    if constexpr (std::is_integral_v<T> && sizeof(T) <= 2) {
      // The table recounts after every edit: a histogram keeps a CT-sized map well under a second.
      std::vector<int64_t> bins(std::size_t{1} << (8 * sizeof(T)));
      for (int64_t i = 0; i < n; ++i) ++bins[static_cast<std::make_unsigned_t<T>>(v[i])];
      for (std::size_t b = 0; b < bins.size(); ++b)
        if (bins[b] != 0 && static_cast<T>(b) != 0) counts[static_cast<int64_t>(static_cast<T>(b))] = bins[b];
    } else {
      for (int64_t i = 0; i < n; ++i) {
        const double value = static_cast<double>(v[i]);
        if (value != std::floor(value)) throw Error(ErrorKind::Input, "the label map holds non-integer values");
        if (value != 0) ++counts[static_cast<int64_t>(value)];
      }
    }
  });
  const auto& s = labels.geometry().spacing;
  const double voxelMillilitres = s[0] * s[1] * s[2] / 1000.0;
  std::vector<LabelStatistics> result;
  for (const auto& [label, voxels] : counts)
    result.push_back({label, voxels, static_cast<double>(voxels) * voxelMillilitres});
  return result;
}

}  // namespace krait::studio
