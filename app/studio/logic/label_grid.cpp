#include "label_grid.h"

#include <cmath>

namespace krait::studio {
Volume resampleNearest(const Volume& labels, const Geometry& onto) {
  Volume out(onto, labels.pixelType());
  const Geometry& from = labels.geometry();
  dispatchPixelType(labels.pixelType(), [&](auto zero) {
    using T = decltype(zero);
    const T* in = labels.as<T>();
    T* dst = out.as<T>();
    int64_t n = 0;
    for (int64_t k = 0; k < onto.size[2]; ++k)
      for (int64_t j = 0; j < onto.size[1]; ++j)
        for (int64_t i = 0; i < onto.size[0]; ++i, ++n) {
          const Vec3 index = from.physicalToIndex(onto.indexToPhysical({double(i), double(j), double(k)}));
          int64_t at[3];
          bool inside = true;
          for (int a = 0; a < 3; ++a) {
            at[a] = std::llround(index[a]);
            inside = inside && at[a] >= 0 && at[a] < from.size[a];
          }
          dst[n] = inside ? in[(at[2] * from.size[1] + at[1]) * from.size[0] + at[0]] : T{};
        }
  });
  return out;
}

}  // namespace krait::studio
