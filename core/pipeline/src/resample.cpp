#include "krait/pipeline/resample.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>

#include "krait/base/error.h"

namespace krait {
namespace {

// scipy.ndimage pads 'nearest'-mode inputs by this many edge voxels before the spline prefilter
// (_prepad_for_spline_filter), which is why its boundary handling barely reaches the interior.
constexpr int64_t kSplinePad = 12;

void checkOrder(int order) {
  if (order < 0 || order > 3)
    throw Error(ErrorKind::Input, "resampling order " + std::to_string(order) +
                                      " is not supported (nnU-Net plans use 0 to 3)");
}

double splinePole(int order) { return order == 2 ? std::sqrt(8.0) - 3.0 : std::sqrt(3.0) - 2.0; }

// scipy's get_spline_interpolation_weights: B-spline weights of the order + 1 taps around x.
void splineWeights(double x, int order, double* w) {
  if (order == 0) {
    w[0] = 1.0;
    return;
  }
  x -= std::floor((order & 1) ? x : x + 0.5);
  const double z = 1.0 - x;
  if (order == 1) {
    w[0] = z;
  } else if (order == 2) {
    w[1] = 0.75 - x * x;
    const double y = 0.5 - x;
    w[0] = 0.5 * y * y;
  } else if (order == 3) {
    w[1] = (x * x * (x - 2.0) * 3.0 + 4.0) / 6.0;
    w[2] = (z * z * (z - 2.0) * 3.0 + 4.0) / 6.0;
    w[0] = z * z * z / 6.0;
  }
  w[order] = 1.0;
  for (int i = 0; i < order; ++i) w[order] -= w[i];
}

// The prefilter of scipy's spline_filter1d in 'nearest' mode (reflect initialisation), run on `width`
// interleaved lines of n samples: c[i * width + j] is sample i of line j.
void splinePrefilter(double* c, int64_t n, int64_t width, int order) {
  const double z = splinePole(order);
  const double gain = (1.0 - z) * (1.0 - 1.0 / z);
  for (int64_t i = 0; i < n * width; ++i) c[i] *= gain;
  const double zn = std::pow(z, static_cast<double>(n));
  std::vector<double> first(c, c + width);
  for (int64_t j = 0; j < width; ++j) c[j] += zn * c[(n - 1) * width + j];
  double zi = z;
  for (int64_t i = 1; i < n; ++i) {
    const double* a = c + i * width;
    const double* b = c + (n - 1 - i) * width;
    for (int64_t j = 0; j < width; ++j) c[j] += zi * (a[j] + zn * b[j]);
    zi *= z;
  }
  const double scale = z / (1.0 - zn * zn);
  for (int64_t j = 0; j < width; ++j) c[j] = c[j] * scale + first[j];
  for (int64_t i = 1; i < n; ++i) {
    double* row = c + i * width;
    const double* prev = row - width;
    for (int64_t j = 0; j < width; ++j) row[j] += z * prev[j];
  }
  double* last = c + (n - 1) * width;
  for (int64_t j = 0; j < width; ++j) last[j] *= z / (z - 1.0);
  for (int64_t i = n - 2; i >= 0; --i) {
    double* row = c + i * width;
    const double* next = row + width;
    for (int64_t j = 0; j < width; ++j) row[j] = z * (next[j] - row[j]);
  }
}

// Taps and weights of every output sample along one axis, as NI_ZoomShift computes them with grid_mode.
struct AxisTaps {
  int order;
  std::vector<int64_t> index;  // (outLen, order + 1) rows of the (padded) input, clamped
  std::vector<double> weight;  // same layout
};

AxisTaps axisTaps(int64_t inLen, int64_t outLen, int order, int64_t pad) {
  const int64_t taps = order + 1, paddedLen = inLen + 2 * pad;
  const double zoom = static_cast<double>(inLen) / static_cast<double>(outLen);
  AxisTaps t{order, std::vector<int64_t>(outLen * taps), std::vector<double>(outLen * taps)};
  for (int64_t k = 0; k < outLen; ++k) {
    double cc = static_cast<double>(k);
    cc += 0.5;
    cc *= zoom;
    cc -= 0.5;
    cc += static_cast<double>(pad);
    const auto start = static_cast<int64_t>(std::floor((order & 1) ? cc : cc + 0.5)) - order / 2;
    splineWeights(cc, order, &t.weight[k * taps]);
    for (int64_t h = 0; h < taps; ++h) t.index[k * taps + h] = std::clamp<int64_t>(start + h, 0, paddedLen - 1);
  }
  return t;
}

// resizeAxis below for orders 0 and 1 (no prefilter, no padding) with tensor ops, on the tensor's device:
// the same taps, weights and float64 sums in the same order, so the same values as on the CPU.
torch::Tensor resizeAxisOnDevice(const torch::Tensor& in, int64_t axis, int64_t outLen, int order) {
  AxisTaps t = axisTaps(in.size(axis), outLen, order, 0);
  const int64_t taps = order + 1;
  const torch::Tensor index = torch::from_blob(t.index.data(), {outLen, taps}, torch::kInt64).to(in.device());
  const torch::Tensor weight = torch::from_blob(t.weight.data(), {outLen, taps}, torch::kDouble).to(in.device());
  std::vector<int64_t> along(in.dim(), 1);
  along[axis] = outLen;
  torch::Tensor out;
  for (int64_t h = 0; h < taps; ++h) {
    torch::Tensor term = in.index_select(axis, index.select(1, h).contiguous()) * weight.select(1, h).reshape(along);
    out = h == 0 ? term : out + term;
  }
  return out;
}

// Resizes a contiguous float64 tensor along one axis (no clip).
torch::Tensor resizeAxis(const torch::Tensor& in, int64_t axis, int64_t outLen, int order) {
  if (!in.device().is_cpu()) {
    TORCH_CHECK(order <= 1, "resizing on ", in.device(), " takes orders 0 and 1 only");
    return resizeAxisOnDevice(in, axis, outLen, order);
  }
  const auto shape = in.sizes().vec();
  const int64_t len = shape[axis];
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= shape[d];
  for (int64_t d = axis + 1; d < static_cast<int64_t>(shape.size()); ++d) inner *= shape[d];
  auto outShape = shape;
  outShape[axis] = outLen;
  torch::Tensor out = torch::empty(outShape, in.options());

  const int64_t pad = order > 1 ? kSplinePad : 0, paddedLen = len + 2 * pad, taps = order + 1;
  const AxisTaps t = axisTaps(len, outLen, order, pad);
  const int64_t chunk = std::min<int64_t>(inner, 64), chunks = (inner + chunk - 1) / chunk;
  const double* src = in.data_ptr<double>();
  double* dst = out.data_ptr<double>();
  at::parallel_for(0, outer * chunks, 1, [&](int64_t begin, int64_t end) {
    std::vector<double> buf(paddedLen * chunk);
    for (int64_t task = begin; task < end; ++task) {
      const int64_t o = task / chunks, c0 = (task % chunks) * chunk, w = std::min(chunk, inner - c0);
      for (int64_t p = 0; p < paddedLen; ++p) {
        const int64_t row = std::clamp<int64_t>(p - pad, 0, len - 1);
        std::copy_n(src + (o * len + row) * inner + c0, w, buf.data() + p * w);
      }
      if (order > 1) splinePrefilter(buf.data(), paddedLen, w, order);
      for (int64_t k = 0; k < outLen; ++k) {
        double* y = dst + (o * outLen + k) * inner + c0;
        std::fill_n(y, w, 0.0);
        for (int64_t h = 0; h < taps; ++h) {
          const double wk = t.weight[k * taps + h];
          const double* x = buf.data() + t.index[k * taps + h] * w;
          for (int64_t j = 0; j < w; ++j) y[j] += x[j] * wk;
        }
      }
    }
  });
  return out;
}

torch::Tensor resizeUnclipped(torch::Tensor x, c10::IntArrayRef newShape, int order) {
  for (int64_t axis = 0; axis < x.dim(); ++axis)
    if (x.size(axis) != newShape[axis]) x = resizeAxis(x, axis, newShape[axis], order);
  return x;
}

// get_lowres_axis: every axis whose spacing equals the largest.
std::vector<int64_t> lowResAxes(const std::vector<double>& spacing) {
  const double largest = *std::max_element(spacing.begin(), spacing.end());
  std::vector<int64_t> axes;
  for (size_t i = 0; i < spacing.size(); ++i)
    if (largest / spacing[i] == 1.0) axes.push_back(static_cast<int64_t>(i));
  return axes;
}

bool anisotropic(const std::vector<double>& spacing, double threshold) {
  const auto [lo, hi] = std::minmax_element(spacing.begin(), spacing.end());
  return *hi / *lo > threshold;
}

// The separate-z decision of resample_data_or_seg_to_shape: the low-resolution axis, or -1.
int64_t separateZAxis(const std::vector<double>& current, const std::vector<double>& target,
                      const ResamplingOptions& o) {
  std::vector<int64_t> axes;
  if (o.forceSeparateZ.has_value()) {
    if (*o.forceSeparateZ) axes = lowResAxes(current);
  } else if (anisotropic(current, o.anisotropyThreshold)) {
    axes = lowResAxes(current);
  } else if (anisotropic(target, o.anisotropyThreshold)) {
    axes = lowResAxes(target);
  }
  return axes.size() == 1 ? axes[0] : -1;
}

}  // namespace

std::vector<int64_t> computeNewShape(const std::vector<int64_t>& shape, const std::vector<double>& spacing,
                                     const std::vector<double>& newSpacing) {
  if (shape.size() != spacing.size() || shape.size() != newSpacing.size())
    throw Error(ErrorKind::Internal, "computeNewShape: shape and spacings differ in length");
  std::vector<int64_t> out(shape.size());
  for (size_t i = 0; i < shape.size(); ++i)
    out[i] = static_cast<int64_t>(std::nearbyint(spacing[i] / newSpacing[i] * static_cast<double>(shape[i])));
  return out;
}

torch::Tensor resizeArray(const torch::Tensor& image, c10::IntArrayRef newShape, int order) {
  checkOrder(order);
  TORCH_CHECK(image.scalar_type() == torch::kDouble && image.dim() == static_cast<int64_t>(newShape.size()),
              "resizeArray needs a float64 tensor with one new size per axis");
  const torch::Tensor in = image.contiguous();
  torch::Tensor out = resizeUnclipped(in, newShape, order);
  if (out.data_ptr() == in.data_ptr()) return in.clone();
  const auto [lo, hi] = torch::aminmax(in);
  return out.clamp_(lo.item<double>(), hi.item<double>());
}

torch::Tensor resampleToShape(const torch::Tensor& data, c10::IntArrayRef newShape,
                              const std::vector<double>& currentSpacing, const std::vector<double>& newSpacing,
                              const ResamplingOptions& options) {
  checkOrder(options.order);
  checkOrder(options.orderZ);
  TORCH_CHECK(data.dim() == 4 && newShape.size() == 3, "resampleToShape needs (C, Z, Y, X) data and 3 sizes");
  if (data.sizes().slice(1).equals(newShape)) return data;
  const int64_t axis = separateZAxis(currentSpacing, newSpacing, options);
  // Orders 0 and 1 (the export's) run where the data is; higher orders need the CPU's sequential prefilter.
  if (!data.device().is_cpu() && (options.order > 1 || (axis >= 0 && options.orderZ > 1)))
    return resampleToShape(data.cpu(), newShape, currentSpacing, newSpacing, options);
  // One channel at a time in float64: the arithmetic of the whole-array version, a fraction of its memory
  // (the export resamples every class's logits).
  torch::Tensor out = torch::empty({data.size(0), newShape[0], newShape[1], newShape[2]}, data.options());
  for (int64_t c = 0; c < data.size(0); ++c) {
    const torch::Tensor d = data[c].to(torch::kDouble).contiguous();
    if (axis < 0) {
      out[c].copy_(resizeArray(d, newShape, options.order));
      continue;
    }
    std::vector<int64_t> plane;
    for (int64_t a = 0; a < 3; ++a)
      if (a != axis) plane.push_back(newShape[a]);
    std::vector<torch::Tensor> slices;
    for (int64_t s = 0; s < d.size(axis); ++s) slices.push_back(resizeArray(d.select(axis, s), plane, options.order));
    torch::Tensor stacked = torch::stack(slices, axis).contiguous();
    if (stacked.size(axis) != newShape[axis]) stacked = resizeAxis(stacked, axis, newShape[axis], options.orderZ);
    out[c].copy_(stacked);
  }
  return out;
}

}  // namespace krait
