#include "krait/pipeline/volume_tensor.h"

#include <cstring>

#include "krait/base/error.h"

namespace krait {

torch::ScalarType scalarTypeOf(PixelType t) {
  switch (t) {
    case PixelType::UInt8: return torch::kUInt8;
    case PixelType::Int8: return torch::kInt8;
    case PixelType::Int16: return torch::kInt16;
    case PixelType::Int32: return torch::kInt32;
    case PixelType::Float32: return torch::kFloat32;
    case PixelType::Float64: return torch::kFloat64;
    case PixelType::UInt16:
    case PixelType::UInt32: break;
  }
  // LibTorch 1.13 has no unsigned 16/32-bit tensors; widening keeps every value exact.
  return t == PixelType::UInt16 ? torch::kInt32 : torch::kInt64;
}

PixelType pixelTypeOf(torch::ScalarType t) {
  switch (t) {
    case torch::kUInt8: return PixelType::UInt8;
    case torch::kInt8: return PixelType::Int8;
    case torch::kInt16: return PixelType::Int16;
    case torch::kInt32: return PixelType::Int32;
    case torch::kFloat32: return PixelType::Float32;
    case torch::kFloat64: return PixelType::Float64;
    default: break;
  }
  throw Error(ErrorKind::Internal, std::string("no volume pixel type for tensor type ") + c10::toString(t));
}

torch::Tensor toTensor(const Volume& volume) {
  const auto& s = volume.geometry().size;
  const std::vector<int64_t> shape{volume.components(), s[2], s[1], s[0]};
  const torch::ScalarType target = scalarTypeOf(volume.pixelType());
  return dispatchPixelType(volume.pixelType(), [&](auto v) {
    using T = decltype(v);
    if (pixelTypeOf<T>() == pixelTypeOf(target)) {
      auto t = torch::empty(shape, torch::TensorOptions().dtype(target));
      std::memcpy(t.data_ptr(), volume.data(), volume.byteSize());
      return t;
    }
    // Unsigned types without a tensor twin: copy element by element into the wider signed type.
    auto t = torch::empty(shape, torch::TensorOptions().dtype(target));
    const T* src = volume.as<T>();
    const std::size_t n = volume.elementCount();
    if (target == torch::kInt32) {
      auto* dst = t.data_ptr<int32_t>();
      for (std::size_t i = 0; i < n; ++i) dst[i] = static_cast<int32_t>(src[i]);
    } else {
      auto* dst = t.data_ptr<int64_t>();
      for (std::size_t i = 0; i < n; ++i) dst[i] = static_cast<int64_t>(src[i]);
    }
    return t;
  });
}

Volume fromTensor(const torch::Tensor& tensor, const Geometry& geometry) {
  torch::Tensor t = tensor.dim() == 3 ? tensor.unsqueeze(0) : tensor;
  if (t.dim() != 4 || t.size(1) != geometry.size[2] || t.size(2) != geometry.size[1] ||
      t.size(3) != geometry.size[0])
    throw Error(ErrorKind::Internal, "tensor shape does not match the geometry's size");
  t = t.to(torch::kCPU).contiguous();
  Volume v(geometry, pixelTypeOf(t.scalar_type()), static_cast<int>(t.size(0)));
  std::memcpy(v.data(), t.data_ptr(), v.byteSize());
  return v;
}

}  // namespace krait
