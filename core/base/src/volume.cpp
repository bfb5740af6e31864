#include "krait/base/volume.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "krait/base/error.h"

namespace krait {

std::size_t pixelSize(PixelType t) {
  return dispatchPixelType(t, [](auto v) { return sizeof(v); });
}

const char* pixelTypeName(PixelType t) {
  switch (t) {
    case PixelType::UInt8: return "uint8";
    case PixelType::Int8: return "int8";
    case PixelType::UInt16: return "uint16";
    case PixelType::Int16: return "int16";
    case PixelType::UInt32: return "uint32";
    case PixelType::Int32: return "int32";
    case PixelType::Float32: return "float32";
    case PixelType::Float64: break;
  }
  return "float64";
}

Volume::Volume(const Geometry& geometry, PixelType type, int components)
    : geometry_(geometry), type_(type), components_(components) {
  if (components < 1) throw Error(ErrorKind::Internal, "a volume needs at least one channel");
  bytes_.resize(static_cast<std::size_t>(geometry.voxelCount()) * static_cast<std::size_t>(components) *
                pixelSize(type));
}

void Volume::setGeometry(const Geometry& g) {
  if (g.size != geometry_.size) throw Error(ErrorKind::Internal, "setGeometry cannot change the volume size");
  geometry_ = g;
}

void Volume::checkType(PixelType wanted) const {
  if (wanted != type_)
    throw Error(ErrorKind::Internal, std::string("volume holds ") + pixelTypeName(type_) + ", not " +
                                         pixelTypeName(wanted));
}

double Volume::valueAt(int64_t i, int64_t j, int64_t k, int c) const {
  const auto& s = geometry_.size;
  const std::size_t index = static_cast<std::size_t>(((c * s[2] + k) * s[1] + j) * s[0] + i);
  return dispatchPixelType(type_, [&](auto v) {
    using T = decltype(v);
    return static_cast<double>(reinterpret_cast<const T*>(bytes_.data())[index]);
  });
}

ValueRange Volume::valueRange() const {
  return dispatchPixelType(type_, [&](auto v) {
    using T = decltype(v);
    const T* p = reinterpret_cast<const T*>(bytes_.data());
    const std::size_t n = elementCount();
    ValueRange r;
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (std::size_t i = 0; i < n; ++i) {
      const double x = static_cast<double>(p[i]);
      if constexpr (std::is_floating_point_v<T>) {
        if (!std::isfinite(x)) {
          ++r.nonFinite;
          continue;
        }
      }
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
    if (lo <= hi) {
      r.min = lo;
      r.max = hi;
    }
    return r;
  });
}

bool Volume::sameVoxels(const Volume& other) const {
  return type_ == other.type_ && components_ == other.components_ && geometry_.size == other.geometry_.size &&
         bytes_ == other.bytes_;
}

}  // namespace krait
