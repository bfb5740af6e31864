#include "krait/pipeline/nonzero_crop.h"

#include <vector>

namespace krait {

torch::Tensor fillHoles(const torch::Tensor& mask) {
  const torch::Tensor in = mask.to(torch::kBool).contiguous();
  const auto shape = in.sizes().vec();
  const int64_t dims = in.dim(), n = in.numel();
  std::vector<int64_t> stride(dims, 1);
  for (int64_t d = dims - 2; d >= 0; --d) stride[d] = stride[d + 1] * shape[d + 1];
  const bool* m = in.data_ptr<bool>();
  // Flood the background from every border voxel; what stays unreached is a hole.
  std::vector<uint8_t> outside(n, 0);
  std::vector<int64_t> stack;
  auto coordinate = [&](int64_t idx, int64_t d) { return (idx / stride[d]) % shape[d]; };
  for (int64_t idx = 0; idx < n; ++idx) {
    if (m[idx]) continue;
    bool border = false;
    for (int64_t d = 0; d < dims && !border; ++d) {
      const int64_t c = coordinate(idx, d);
      border = c == 0 || c == shape[d] - 1;
    }
    if (border) {
      outside[idx] = 1;
      stack.push_back(idx);
    }
  }
  while (!stack.empty()) {
    const int64_t idx = stack.back();
    stack.pop_back();
    for (int64_t d = 0; d < dims; ++d) {
      const int64_t c = coordinate(idx, d);
      for (const int64_t step : {-1, 1}) {
        if ((step < 0 && c == 0) || (step > 0 && c == shape[d] - 1)) continue;
        const int64_t next = idx + step * stride[d];
        if (m[next] || outside[next]) continue;
        outside[next] = 1;
        stack.push_back(next);
      }
    }
  }
  torch::Tensor out = torch::empty_like(in);
  bool* o = out.data_ptr<bool>();
  for (int64_t idx = 0; idx < n; ++idx) o[idx] = !outside[idx];
  return out;
}

NonzeroCrop cropToNonzero(const torch::Tensor& data) {
  TORCH_CHECK(data.dim() == 4, "cropToNonzero needs (C, Z, Y, X) data");
  NonzeroCrop crop;
  for (int d = 0; d < 3; ++d) crop.shapeBeforeCropping[d] = data.size(d + 1);
  const torch::Tensor mask = fillHoles((data != 0).any(0));
  for (int d = 0; d < 3; ++d) {
    // Planes along axis d that hold any mask voxel.
    std::vector<int64_t> others;
    for (int o = 0; o < 3; ++o)
      if (o != d) others.push_back(o);
    const torch::Tensor planes = mask.any(others[1]).any(others[0]);
    const torch::Tensor hits = planes.nonzero();
    crop.box.begin[d] = hits.numel() ? hits[0].item<int64_t>() : 0;
    crop.box.end[d] = hits.numel() ? hits[-1].item<int64_t>() + 1 : mask.size(d);
  }
  using torch::indexing::Slice;
  const auto& b = crop.box;
  crop.mask = mask.index({Slice(b.begin[0], b.end[0]), Slice(b.begin[1], b.end[1]), Slice(b.begin[2], b.end[2])})
                  .contiguous();
  crop.data = data.index({Slice(), Slice(b.begin[0], b.end[0]), Slice(b.begin[1], b.end[1]),
                          Slice(b.begin[2], b.end[2])})
                  .contiguous();
  return crop;
}

}  // namespace krait
