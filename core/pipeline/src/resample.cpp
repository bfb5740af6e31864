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

// With the separate-z rule, slices resized in plane per call on the CPU. Measured on 300 x 512 x 512 to
// 180 x 510 x 510, order 3: the CPU time of one slice per call, 15 % less than all slices at once (whose
// intermediate goes through memory); 16 times fewer parallel regions than one slice per call (2 to 3 times
// faster on a loaded machine) and, for many cores, 128 tasks rather than 8 along the first in-plane axis.
constexpr int64_t kCpuSlicesPerPiece = 16;

void checkOrder(int order) {
  if (order < 0 || order > 3)
    throw Error(ErrorKind::Input, "resampling order " + std::to_string(order) +
                                      " is not supported (nnU-Net plans use 0 to 3)");
}

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

// The constants of scipy's spline_filter1d in 'nearest' mode (reflect initialisation) for lines of n samples.
struct SplinePrefilter {
  double z, gain, zn, causalScale, anticausalScale;
  SplinePrefilter(int order, int64_t n)
      : z(order == 2 ? std::sqrt(8.0) - 3.0 : std::sqrt(3.0) - 2.0),
        gain((1.0 - z) * (1.0 - 1.0 / z)),
        zn(std::pow(z, static_cast<double>(n))),
        causalScale(z / (1.0 - zn * zn)),
        anticausalScale(z / (z - 1.0)) {}
};

// The prefilter on `width` interleaved lines of n samples: c[i * width + j] is sample i of line j.
void splinePrefilter(double* c, int64_t n, int64_t width, int order) {
  const SplinePrefilter f(order, n);
  for (int64_t i = 0; i < n * width; ++i) c[i] *= f.gain;
  std::vector<double> first(c, c + width);
  for (int64_t j = 0; j < width; ++j) c[j] += f.zn * c[(n - 1) * width + j];
  double zi = f.z;
  for (int64_t i = 1; i < n; ++i) {
    const double* a = c + i * width;
    const double* b = c + (n - 1 - i) * width;
    for (int64_t j = 0; j < width; ++j) c[j] += zi * (a[j] + f.zn * b[j]);
    zi *= f.z;
  }
  for (int64_t j = 0; j < width; ++j) c[j] = c[j] * f.causalScale + first[j];
  for (int64_t i = 1; i < n; ++i) {
    double* row = c + i * width;
    const double* prev = row - width;
    for (int64_t j = 0; j < width; ++j) row[j] += f.z * prev[j];
  }
  double* last = c + (n - 1) * width;
  for (int64_t j = 0; j < width; ++j) last[j] *= f.anticausalScale;
  for (int64_t i = n - 2; i >= 0; --i) {
    double* row = c + i * width;
    const double* next = row + width;
    for (int64_t j = 0; j < width; ++j) row[j] = f.z * (next[j] - row[j]);
  }
}

// splinePrefilter with tensor ops on the rows of c (n, lines...), each step one op over whole rows: the same
// float64 operations in the same order, each rounded once (never an alpha, which LibTorch computes with an FMA),
// so the same values bit for bit.
void splinePrefilterRows(const torch::Tensor& c, int order) {
  const int64_t n = c.size(0);
  const SplinePrefilter f(order, n);
  c.mul_(f.gain);
  std::vector<torch::Tensor> row = c.unbind(0);
  const torch::Tensor first = row[0].clone();
  torch::Tensor t = torch::empty_like(first);
  row[0].add_(at::mul_out(t, row[n - 1], f.zn));
  double zi = f.z;
  for (int64_t i = 1; i < n; ++i) {
    at::mul_out(t, row[n - 1 - i], f.zn).add_(row[i]).mul_(zi);
    row[0].add_(t);
    zi *= f.z;
  }
  row[0].mul_(f.causalScale).add_(first);
  for (int64_t i = 1; i < n; ++i) row[i].add_(at::mul_out(t, row[i - 1], f.z));
  row[n - 1].mul_(f.anticausalScale);
  for (int64_t i = n - 2; i >= 0; --i) at::sub_out(row[i], row[i + 1], row[i]).mul_(f.z);
}

// Taps and weights of every output sample along one axis, as NI_ZoomShift computes them with grid_mode.
struct AxisTaps {
  std::vector<int64_t> index;  // (outLen, order + 1) rows of the (padded) input, clamped
  std::vector<double> weight;  // same layout
};

AxisTaps axisTaps(int64_t inLen, int64_t outLen, int order, int64_t pad) {
  const int64_t taps = order + 1, paddedLen = inLen + 2 * pad;
  const double zoom = static_cast<double>(inLen) / static_cast<double>(outLen);
  AxisTaps t{std::vector<int64_t>(outLen * taps), std::vector<double>(outLen * taps)};
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

int64_t splinePad(int order) { return order > 1 ? kSplinePad : 0; }

// The CPU loop's buffer as a tensor: the axis padded with edge samples and prefiltered, for orders above 1.
torch::Tensor splineCoefficients(const torch::Tensor& in, int64_t axis, int order) {
  if (order <= 1) return in;
  const int64_t len = in.size(axis);
  const torch::Tensor rows =
      torch::arange(-kSplinePad, len + kSplinePad, in.options().dtype(torch::kLong)).clamp_(0, len - 1);
  // The axis first, so that each step of the prefilter is one op over a contiguous row.
  const torch::Tensor c = in.movedim(axis, 0).index_select(0, rows).contiguous();
  splinePrefilterRows(c, order);
  return c.movedim(0, axis);
}

// resizeAxis below with tensor ops, on the tensor's device: the same taps, weights and float64 operations in the
// same order, so the same values as the CPU loop.
torch::Tensor resizeAxisWithTensorOps(const torch::Tensor& in, int64_t axis, int64_t outLen, int order) {
  AxisTaps t = axisTaps(in.size(axis), outLen, order, splinePad(order));
  const int64_t taps = order + 1;
  const torch::Tensor index = torch::from_blob(t.index.data(), {outLen, taps}, torch::kInt64).to(in.device());
  const torch::Tensor weight = torch::from_blob(t.weight.data(), {outLen, taps}, torch::kDouble).to(in.device());
  const torch::Tensor c = splineCoefficients(in, axis, order);
  std::vector<int64_t> along(in.dim(), 1);
  along[axis] = outLen;
  auto outShape = in.sizes().vec();
  outShape[axis] = outLen;
  // From zero, as the loop sums: the same sign of a zero result too.
  torch::Tensor out = torch::zeros(outShape, in.options());
  for (int64_t h = 0; h < taps; ++h)
    out.add_(c.index_select(axis, index.select(1, h).contiguous()) * weight.select(1, h).reshape(along));
  return out;
}

// Resizes a contiguous float64 tensor along one axis (no clip): with tensor ops, or with the loop below on the
// CPU, where it is the fastest.
torch::Tensor resizeAxis(const torch::Tensor& in, int64_t axis, int64_t outLen, int order, bool tensorOps) {
  if (tensorOps) return resizeAxisWithTensorOps(in, axis, outLen, order);
  const auto shape = in.sizes().vec();
  const int64_t len = shape[axis];
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= shape[d];
  for (int64_t d = axis + 1; d < static_cast<int64_t>(shape.size()); ++d) inner *= shape[d];
  auto outShape = shape;
  outShape[axis] = outLen;
  torch::Tensor out = torch::empty(outShape, in.options());

  const int64_t pad = splinePad(order), paddedLen = len + 2 * pad, taps = order + 1;
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

torch::Tensor resizeUnclipped(torch::Tensor x, c10::IntArrayRef newShape, int order, bool tensorOps) {
  for (int64_t axis = 0; axis < x.dim(); ++axis)
    if (x.size(axis) != newShape[axis]) x = resizeAxis(x, axis, newShape[axis], order, tensorOps);
  return x;
}

// skimage.transform.resize's clip of `out` to the range of `in`; with sliceAxis >= 0, to each slice's own range
// (the separate-z rule resizes every slice alone). Bounds stay tensors: no wait for a GPU.
torch::Tensor clipToRange(const torch::Tensor& out, const torch::Tensor& in, int64_t sliceAxis) {
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < in.dim(); ++d)
    if (d != sliceAxis) dims.push_back(d);
  return out.clamp_(in.amin(dims, true), in.amax(dims, true));
}

// resizeArray, on either path.
torch::Tensor resize(const torch::Tensor& in, c10::IntArrayRef newShape, int order, bool tensorOps) {
  const torch::Tensor out = resizeUnclipped(in, newShape, order, tensorOps);
  return out.is_same(in) ? in.clone() : clipToRange(out, in, -1);
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

// resample_data_or_seg_to_shape of one channel in float64; zAxis: separateZAxis.
torch::Tensor resampleChannel(const torch::Tensor& d, c10::IntArrayRef newShape, int64_t zAxis,
                              const ResamplingOptions& o, bool tensorOps) {
  if (zAxis < 0) return resize(d, newShape, o.order, tensorOps);
  // Slices in pieces: along an in-plane axis each slice's lines are resized alone anyway, so the values are
  // those of nnU-Net's slice loop whatever the piece. Tensor ops take every slice at once (a GPU launch per
  // step of the prefilter, whatever its width); the CPU loops kCpuSlicesPerPiece.
  const int64_t slices = d.size(zAxis), piece = tensorOps ? slices : kCpuSlicesPerPiece;
  std::vector<int64_t> plane = newShape.vec();
  plane[zAxis] = slices;
  torch::Tensor x = torch::empty(plane, d.options());
  for (int64_t s = 0; s < slices; s += piece) {
    const torch::Tensor in = d.narrow(zAxis, s, std::min(piece, slices - s)).contiguous();
    plane[zAxis] = in.size(zAxis);
    torch::Tensor resized = resizeUnclipped(in, plane, o.order, tensorOps);
    if (!resized.is_same(in)) clipToRange(resized, in, zAxis);
    x.narrow(zAxis, s, in.size(zAxis)).copy_(resized);
  }
  return x.size(zAxis) == newShape[zAxis] ? x : resizeAxis(x, zAxis, newShape[zAxis], o.orderZ, tensorOps);
}

torch::Tensor resample(const torch::Tensor& data, c10::IntArrayRef newShape, const std::vector<double>& currentSpacing,
                       const std::vector<double>& newSpacing, const ResamplingOptions& options, bool tensorOps) {
  checkOrder(options.order);
  checkOrder(options.orderZ);
  TORCH_CHECK(data.dim() == 4 && newShape.size() == 3, "resampleToShape needs (C, Z, Y, X) data and 3 sizes");
  if (data.sizes().slice(1).equals(newShape)) return data;
  const int64_t zAxis = separateZAxis(currentSpacing, newSpacing, options);
  // One channel at a time: the arithmetic of the whole-array version, a fraction of its memory (the export
  // resamples every class's logits).
  torch::Tensor out = torch::empty({data.size(0), newShape[0], newShape[1], newShape[2]}, data.options());
  for (int64_t c = 0; c < data.size(0); ++c)
    out[c].copy_(resampleChannel(data[c].to(torch::kDouble).contiguous(), newShape, zAxis, options, tensorOps));
  return out;
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
  return resize(image.contiguous(), newShape, order, !image.device().is_cpu());
}

torch::Tensor resampleToShape(const torch::Tensor& data, c10::IntArrayRef newShape,
                              const std::vector<double>& currentSpacing, const std::vector<double>& newSpacing,
                              const ResamplingOptions& options) {
  return resample(data, newShape, currentSpacing, newSpacing, options, !data.device().is_cpu());
}

torch::Tensor resampleToShapeWithTensorOps(const torch::Tensor& data, c10::IntArrayRef newShape,
                                           const std::vector<double>& currentSpacing,
                                           const std::vector<double>& newSpacing, const ResamplingOptions& options) {
  return resample(data, newShape, currentSpacing, newSpacing, options, true);
}

}  // namespace krait
