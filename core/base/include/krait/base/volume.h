#pragma once
// A scalar or multi-channel 3D image with its geometry. Voxels are stored channel-major, then k, j, i
// (i fastest): the memory order of a (C, Z, Y, X) tensor, which is what nnU-Net feeds its networks.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "krait/base/geometry.h"
#include "krait/base/large_buffer.h"

namespace krait {

enum class PixelType { UInt8, Int8, UInt16, Int16, UInt32, Int32, Float32, Float64 };

std::size_t pixelSize(PixelType t);
const char* pixelTypeName(PixelType t);

template <typename T> constexpr PixelType pixelTypeOf();
template <> constexpr PixelType pixelTypeOf<uint8_t>() { return PixelType::UInt8; }
template <> constexpr PixelType pixelTypeOf<int8_t>() { return PixelType::Int8; }
template <> constexpr PixelType pixelTypeOf<uint16_t>() { return PixelType::UInt16; }
template <> constexpr PixelType pixelTypeOf<int16_t>() { return PixelType::Int16; }
template <> constexpr PixelType pixelTypeOf<uint32_t>() { return PixelType::UInt32; }
template <> constexpr PixelType pixelTypeOf<int32_t>() { return PixelType::Int32; }
template <> constexpr PixelType pixelTypeOf<float>() { return PixelType::Float32; }
template <> constexpr PixelType pixelTypeOf<double>() { return PixelType::Float64; }

// Calls f(T{}) with T the C++ type of t; keeps per-type loops in one place.
template <typename F> decltype(auto) dispatchPixelType(PixelType t, F&& f) {
  switch (t) {
    case PixelType::UInt8: return f(uint8_t{});
    case PixelType::Int8: return f(int8_t{});
    case PixelType::UInt16: return f(uint16_t{});
    case PixelType::Int16: return f(int16_t{});
    case PixelType::UInt32: return f(uint32_t{});
    case PixelType::Int32: return f(int32_t{});
    case PixelType::Float32: return f(float{});
    case PixelType::Float64: break;
  }
  return f(double{});
}

struct ValueRange {
  double min = 0.0;
  double max = 0.0;
  int64_t nonFinite = 0;  // NaN or infinite voxels, excluded from min/max
};

class Volume {
 public:
  Volume() = default;
  // Zero-filled.
  Volume(const Geometry& geometry, PixelType type, int components = 1);

  const Geometry& geometry() const { return geometry_; }
  // Geometry may change (re-origin, re-orient) but never its size: the buffer is sized for it.
  void setGeometry(const Geometry& g);
  PixelType pixelType() const { return type_; }
  int components() const { return components_; }
  bool empty() const { return bytes_.empty(); }
  std::size_t elementCount() const { return bytes_.size() / pixelSize(type_); }
  std::size_t byteSize() const { return bytes_.size(); }

  void* data() { return bytes_.data(); }
  const void* data() const { return bytes_.data(); }
  template <typename T> T* as() { checkType(pixelTypeOf<T>()); return reinterpret_cast<T*>(bytes_.data()); }
  template <typename T> const T* as() const {
    checkType(pixelTypeOf<T>());
    return reinterpret_cast<const T*>(bytes_.data());
  }

  // Value at voxel (i, j, k) of channel c, converted to double.
  double valueAt(int64_t i, int64_t j, int64_t k, int c = 0) const;
  ValueRange valueRange() const;
  // Bitwise equality of type, channels and voxels (geometry not compared).
  bool sameVoxels(const Volume& other) const;

 private:
  void checkType(PixelType wanted) const;

  Geometry geometry_;
  PixelType type_ = PixelType::UInt8;
  int components_ = 1;
  LargeBuffer<std::byte> bytes_;
};

}  // namespace krait
