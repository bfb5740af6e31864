#include "label_statistics.h"

#include <cmath>
#include <map>

#include "krait/core/error.h"

namespace krait::studio {

std::vector<LabelStatistics> labelStatistics(const Volume& labels) {
  std::map<int64_t, int64_t> counts;
  const int64_t n = labels.geometry().voxelCount();
  dispatchPixelType(labels.pixelType(), [&](auto zero) {
    using T = decltype(zero);
    const T* v = labels.as<T>();
    for (int64_t i = 0; i < n; ++i) {
      const double value = static_cast<double>(v[i]);
      if (value != std::floor(value)) throw Error(ErrorKind::Input, "the label map holds non-integer values");
      if (value != 0) ++counts[static_cast<int64_t>(value)];
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
