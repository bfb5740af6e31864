#include "krait/training/augmentation.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "krait/base/error.h"

// Deviations from batchgenerators, whose scipy/skimage resampling has no tensor equivalent:
// - spatial transform: data linear (map_coordinates order 3 in the official), seg per label linear with cval -1
//   and a label where its share reaches 0.5, as the official order 1;
// - low resolution: upsampled linearly (cubic in the official);
// - the random numbers come from the caller's generator, so no draw matches the official's.
// Nearest resampling (low resolution's downsampling, deep supervision) is "nearest-exact": skimage's pixel-centre
// rule, which plain "nearest" is not.

namespace krait::training {

namespace {

constexpr double kPi = 3.14159265358979323846;
// The old nnU-Net's lower scale bound, which get_patch_size still gets rather than the transform's.
constexpr double kPatchScale = 0.85;
constexpr double kAnisotropyThreshold = 3.0;  // nnunetv2.configuration.ANISO_THRESHOLD

Error shapeError(const std::string& what) { return Error(ErrorKind::Internal, "augmentation: " + what); }

class Draw {
 public:
  explicit Draw(std::mt19937_64& rng) : rng_(rng) {}
  double uniform(double lo, double hi) { return lo == hi ? lo : std::uniform_real_distribution<double>(lo, hi)(rng_); }
  double uniform(const Range& r) { return uniform(r[0], r[1]); }
  bool chance(double p) { return uniform(0.0, 1.0) < p; }
  // Scale, contrast and gamma: below 1 or above 1 with even odds, whatever the range's extent on either side.
  double aroundOne(const Range& r) {
    return chance(0.5) && r[0] < 1 ? uniform(r[0], 1.0) : uniform(std::max(r[0], 1.0), r[1]);
  }
  uint64_t seed() { return rng_(); }

 private:
  std::mt19937_64& rng_;
};

using Matrix = std::array<std::array<double, 3>, 3>;

Matrix product(const Matrix& a, const Matrix& b) {
  Matrix p{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) p[i][j] += a[i][k] * b[k][j];
  return p;
}

// batchgenerators' rotate_coords_3d (Rx Ry Rz) and rotate_coords_2d, whose matrix is the upper-left block of Rz.
Matrix rotation(size_t dims, double ax, double ay, double az) {
  const Matrix z{{{std::cos(az), -std::sin(az), 0}, {std::sin(az), std::cos(az), 0}, {0, 0, 1}}};
  if (dims == 2) return rotation(3, 0, 0, ax);
  const Matrix x{{{1, 0, 0}, {0, std::cos(ax), -std::sin(ax)}, {0, std::sin(ax), std::cos(ax)}}};
  const Matrix y{{{std::cos(ay), 0, std::sin(ay)}, {0, 1, 0}, {-std::sin(ay), 0, std::cos(ay)}}};
  return product(product(x, y), z);
}

std::vector<int64_t> spatialAxes(int64_t dims) {
  std::vector<int64_t> axes;
  for (int64_t a = 1; a <= dims; ++a) axes.push_back(a);
  return axes;
}

// (C, 1, ...): one value per channel of a (C, *spatial) sample.
torch::Tensor perChannel(const std::vector<double>& values, const torch::Tensor& like) {
  std::vector<int64_t> shape(static_cast<size_t>(like.dim()), 1);
  shape[0] = like.size(0);
  return torch::tensor(values, like.options().dtype(torch::kDouble)).to(like.options()).view(shape);
}

// augment_spatial without random crop: output index i samples source point ctr + scale * Mᵀ (i - (P - 1) / 2),
// ctr = S / 2 - 0.5, so the patch centre stays on the source centre. Returns affine_grid's grid (last axis
// first in its coordinates, align_corners false: index i of size n at (2i + 1) / n - 1).
torch::Tensor samplingGrid(const Matrix& m, double scale, const std::vector<int64_t>& patch, torch::IntArrayRef source,
                           const torch::Device& device) {
  const auto n = static_cast<int64_t>(patch.size());
  torch::Tensor theta = torch::zeros({1, n, n + 1}, torch::kDouble);
  for (int64_t k = 0; k < n; ++k)
    for (int64_t l = 0; l < n; ++l) {
      const int64_t i = n - 1 - k, j = n - 1 - l;  // spatial axes of grid row k and column l
      theta[0][k][l] = scale * m[j][i] * static_cast<double>(patch[j]) / static_cast<double>(source[i]);
    }
  std::vector<int64_t> size{1, 1};
  size.insert(size.end(), patch.begin(), patch.end());
  return torch::nn::functional::affine_grid(theta.to(device), size, false).to(torch::kFloat);
}

// SpatialTransform on one sample (C, *S) and its seg (Cs, *S): rotation and scaling about the centre, or, when
// neither is drawn, the centre crop. Dummy 2D folds the first spatial axis into the channels
// (Convert3DTo2DTransform) so that only the last two are rotated and scaled.
std::pair<torch::Tensor, torch::Tensor> spatialTransform(torch::Tensor d, torch::Tensor s, const AugmentationOptions& o,
                                                         Draw& draw) {
  const std::vector<int64_t> dataShape = d.sizes().vec(), segShape = s.sizes().vec();
  std::vector<int64_t> patch = o.patchSize;
  if (o.dummy2D) {
    d = d.flatten(0, 1);
    s = s.flatten(0, 1);
    patch.erase(patch.begin());
  }
  const size_t n = patch.size();
  const auto withPatch = [&](std::vector<int64_t> leading) {
    leading.insert(leading.end(), patch.begin(), patch.end());
    return leading;
  };
  Matrix m = rotation(3, 0, 0, 0);  // the identity
  double scale = 1.0;
  bool modified = false;
  if (draw.chance(o.pRotation)) {
    const double ax = draw.uniform(o.rotationX);
    const double ay = n == 3 ? draw.uniform(o.rotationY) : 0.0;
    const double az = n == 3 ? draw.uniform(o.rotationZ) : 0.0;
    m = rotation(n, ax, ay, az);
    modified = true;
  }
  if (draw.chance(o.pScale)) {
    scale = draw.aroundOne(o.scale);
    modified = true;
  }
  if (modified) {
    const torch::Tensor grid = samplingGrid(m, scale, patch, d.sizes().slice(1), d.device());
    const auto sample = [&](const torch::Tensor& x) {
      namespace F = torch::nn::functional;
      return F::grid_sample(x.unsqueeze(0), grid,
                            F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kZeros).align_corners(false))[0];
    };
    d = sample(d);
    // interpolate_img(is_seg): each label's share, shifted by 1 so that grid_sample's zero padding stands for the
    // official border value -1; a point takes the last label whose share reaches 0.5, else 0 (outside included).
    const torch::Tensor unique = std::get<0>(torch::unique_consecutive(std::get<0>(s.flatten().sort()))).cpu();
    torch::Tensor out = torch::zeros(withPatch({s.size(0)}), d.options());
    for (int64_t k = 0; k < unique.size(0); ++k) {
      const float label = unique[k].item<float>();
      out.masked_fill_(sample((s == label).to(torch::kFloat) + 1) >= 1.5, label);
    }
    s = out;
  } else {
    for (size_t a = 0; a < n; ++a) {
      const auto axis = static_cast<int64_t>(a) + 1;
      const int64_t lower = (d.size(axis) - patch[a]) / 2;
      d = d.narrow(axis, lower, patch[a]);
      s = s.narrow(axis, lower, patch[a]);
    }
    // The later transforms write in place; the crop is a view of the caller's tensors.
    d = d.clone();
    s = s.clone();
  }
  if (o.dummy2D) {
    d = d.reshape(withPatch({dataShape[0], dataShape[1]}));
    s = s.reshape(withPatch({segShape[0], segShape[1]}));
  }
  return {d, s};
}

// skimage's resize with order 0 at the pixel centres (align_corners only quiets LibTorch's warning; nearest-exact
// ignores it).
torch::Tensor nearestResize(const torch::Tensor& x, const std::vector<int64_t>& size) {
  namespace F = torch::nn::functional;
  return F::interpolate(x, F::InterpolateFuncOptions().size(size).mode(torch::kNearestExact).align_corners(false));
}

// scipy.ndimage.gaussian_filter (mode reflect, truncate 4) over every axis of x.
torch::Tensor gaussianFilter(torch::Tensor x, double sigma) {
  const auto radius = static_cast<int64_t>(4.0 * sigma + 0.5);
  std::vector<double> weights;
  for (int64_t i = -radius; i <= radius; ++i) weights.push_back(std::exp(-0.5 * static_cast<double>(i * i) / (sigma * sigma)));
  torch::Tensor kernel = torch::tensor(weights, torch::kDouble);
  kernel = (kernel / kernel.sum()).to(x.options()).view({1, 1, -1});
  for (int64_t axis = 0; axis < x.dim(); ++axis) {
    const int64_t length = x.size(axis);
    // scipy's "reflect" repeats the edge sample (d c b a | a b c d | d c b a).
    std::vector<int64_t> source;
    for (int64_t i = -radius; i < length + radius; ++i) {
      const int64_t j = ((i % (2 * length)) + 2 * length) % (2 * length);
      source.push_back(j < length ? j : 2 * length - 1 - j);
    }
    torch::Tensor padded = x.index_select(axis, torch::tensor(source, torch::kLong).to(x.device())).movedim(axis, -1);
    std::vector<int64_t> shape = padded.sizes().vec();
    shape.back() = length;
    x = torch::conv1d(padded.reshape({-1, 1, padded.size(-1)}), kernel).reshape(shape).movedim(-1, axis);
  }
  return x;
}

// augment_contrast (per channel, preserve_range): stretched about the mean, clipped to the former range.
torch::Tensor contrast(const torch::Tensor& x, const Range& range, Draw& draw) {
  std::vector<double> factors;
  for (int64_t c = 0; c < x.size(0); ++c) factors.push_back(draw.aroundOne(range));
  const std::vector<int64_t> axes = spatialAxes(x.dim() - 1);
  const torch::Tensor mean = x.mean(axes, true);
  return torch::minimum(torch::maximum((x - mean) * perChannel(factors, x) + mean, x.amin(axes, true)), x.amax(axes, true));
}

// augment_gamma per channel with retain_stats: the mean and the (population) standard deviation are restored.
torch::Tensor gamma(torch::Tensor x, bool invert, const Range& range, Draw& draw) {
  std::vector<double> gammas;
  for (int64_t c = 0; c < x.size(0); ++c) gammas.push_back(draw.aroundOne(range));
  if (invert) x = -x;
  const std::vector<int64_t> axes = spatialAxes(x.dim() - 1);
  const auto stdev = [&](const torch::Tensor& t) { return (t - t.mean(axes, true)).square().mean(axes, true).sqrt(); };
  const torch::Tensor mean = x.mean(axes, true), sd = stdev(x);
  const torch::Tensor lowest = x.amin(axes, true), extent = x.amax(axes, true) - lowest + 1e-7;
  torch::Tensor y = ((x - lowest) / extent).pow(perChannel(gammas, x)) * extent + lowest;
  y = (y - y.mean(axes, true)) / (stdev(y) + 1e-8) * sd + mean;
  return invert ? -y : y;
}

// augment_linear_downsampling_scipy per channel: nearest down to a random zoom, back up linearly. Dummy 2D keeps
// the first axis (ignore_axes).
void lowResolution(torch::Tensor& x, const AugmentationOptions& o, Draw& draw) {
  const int64_t dims = x.dim() - 1;
  for (int64_t c = 0; c < x.size(0); ++c) {
    if (!draw.chance(o.pLowResolutionPerChannel)) continue;
    const double zoom = draw.uniform(o.lowResolutionZoom);
    const std::vector<int64_t> shape = x.sizes().slice(1).vec();
    std::vector<int64_t> low = shape;
    for (int64_t a = o.dummy2D ? 1 : 0; a < dims; ++a)
      low[a] = std::max<int64_t>(1, static_cast<int64_t>(std::nearbyint(static_cast<double>(shape[a]) * zoom)));
    namespace F = torch::nn::functional;
    const torch::Tensor down = nearestResize(x[c].unsqueeze(0).unsqueeze(0), low);
    const auto linear = dims == 2 ? F::InterpolateFuncOptions::mode_t(torch::kBilinear) : torch::kTrilinear;
    x[c].copy_(F::interpolate(down, F::InterpolateFuncOptions().size(shape).mode(linear).align_corners(false))[0][0]);
  }
}

// The colour, noise and resolution transforms of one sample (C, *patch), in the official order.
torch::Tensor intensityTransforms(torch::Tensor x, const AugmentationOptions& o, Draw& draw) {
  if (draw.chance(o.pNoise)) {
    const double sd = draw.uniform(o.noiseStd);
    // Drawn on the CPU from a seeded generator so that a batch depends on the caller's generator alone.
    const auto generator = at::make_generator<at::CPUGeneratorImpl>(draw.seed());
    x = x + torch::randn(x.sizes(), generator, torch::kFloat).to(x.device()) * sd;
  }
  if (draw.chance(o.pBlur))
    for (int64_t c = 0; c < x.size(0); ++c)
      if (draw.chance(o.pBlurPerChannel)) x[c].copy_(gaussianFilter(x[c], draw.uniform(o.blurSigma)));
  if (draw.chance(o.pBrightness)) {
    std::vector<double> factors;
    for (int64_t c = 0; c < x.size(0); ++c) factors.push_back(draw.uniform(o.brightness));
    x = x * perChannel(factors, x);
  }
  if (draw.chance(o.pContrast)) x = contrast(x, o.contrast, draw);
  if (draw.chance(o.pLowResolution)) lowResolution(x, o, draw);
  if (draw.chance(o.pGammaInverted)) x = gamma(x, true, o.gamma, draw);
  if (draw.chance(o.pGamma)) x = gamma(x, false, o.gamma, draw);
  return x;
}

void checkShapes(const torch::Tensor& data, const torch::Tensor& seg, const AugmentationOptions& o) {
  const auto dims = static_cast<int64_t>(o.patchSize.size());
  if (dims != 2 && dims != 3) throw shapeError("the patch must have 2 or 3 axes");
  if (o.dummy2D && dims != 3) throw shapeError("dummy 2D needs a 3D patch");
  if (data.dim() != dims + 2 || seg.dim() != dims + 2)
    throw shapeError("data and seg must be (batch, channels, " + std::to_string(dims) + " spatial axes)");
  if (data.size(0) != seg.size(0) || data.sizes().slice(2) != seg.sizes().slice(2))
    throw shapeError("data and seg differ in batch size or spatial shape");
  if (data.device() != seg.device()) throw shapeError("data and seg lie on different devices");
  for (int64_t a = 0; a < dims; ++a)
    if (data.size(a + 2) < o.patchSize[static_cast<size_t>(a)]) throw shapeError("the input is smaller than the patch");
  for (const int axis : o.mirrorAxes)
    if (axis < 0 || axis >= dims) throw shapeError("mirror axis " + std::to_string(axis) + " out of range");
  for (const std::vector<double>& s : o.deepSupervisionScales)
    if (static_cast<int64_t>(s.size()) != dims) throw shapeError("a deep supervision scale needs one factor per axis");
}

}  // namespace

AugmentationOptions nnunetAugmentation(const std::vector<int64_t>& patchSize,
                                       std::vector<std::vector<double>> deepSupervisionScales) {
  AugmentationOptions o;
  o.patchSize = patchSize;
  o.deepSupervisionScales = std::move(deepSupervisionScales);
  if (patchSize.size() != 2 && patchSize.size() != 3) throw shapeError("the patch must have 2 or 3 axes");
  const auto longest = static_cast<double>(*std::max_element(patchSize.begin(), patchSize.end()));
  const auto degrees = [](double a) { return Range{-a / 360 * 2.0 * kPi, a / 360 * 2.0 * kPi}; };
  if (patchSize.size() == 2) {
    const auto shortest = static_cast<double>(*std::min_element(patchSize.begin(), patchSize.end()));
    o.rotationX = degrees(longest / shortest > 1.5 ? 15.0 : 180.0);
    o.mirrorAxes = {0, 1};
  } else {
    // The first axis is the one of the coarsest spacing (the plans order axes by spacing).
    o.dummy2D = longest / static_cast<double>(patchSize[0]) > kAnisotropyThreshold;
    if (o.dummy2D) {
      o.rotationX = degrees(180.0);
    } else {
      o.rotationX = o.rotationY = o.rotationZ = degrees(30.0);
    }
    o.mirrorAxes = {0, 1, 2};
  }
  return o;
}

AugmentationOptions validationAugmentation(AugmentationOptions o) {
  o.pRotation = o.pScale = o.pNoise = o.pBlur = o.pBrightness = o.pContrast = o.pLowResolution = 0.0;
  o.pGammaInverted = o.pGamma = o.pMirrorPerAxis = 0.0;
  return o;
}

std::vector<std::vector<double>> deepSupervisionScales(const std::vector<std::vector<int64_t>>& poolOpKernelSizes) {
  std::vector<std::vector<double>> scales;
  std::vector<double> product;
  for (size_t i = 0; i + 1 < poolOpKernelSizes.size(); ++i) {
    const std::vector<int64_t>& kernel = poolOpKernelSizes[i];
    product.resize(kernel.size(), 1.0);
    std::vector<double> scale;
    for (size_t a = 0; a < kernel.size(); ++a) scale.push_back(1.0 / (product[a] *= static_cast<double>(kernel[a])));
    scales.push_back(scale);
  }
  return scales;
}

std::vector<int64_t> initialPatchSize(const AugmentationOptions& o) {
  const size_t n = o.patchSize.size();
  const auto largest = [](const Range& r) { return std::min(kPi / 2, std::max(std::abs(r[0]), std::abs(r[1]))); };
  std::vector<double> extent(o.patchSize.begin(), o.patchSize.end());
  // The patch's corner vector rotated about one axis at a time, at the largest angle (90° at most).
  const auto widen = [&](const Matrix& m) {
    for (size_t j = 0; j < n; ++j) {
      double rotated = 0.0;
      for (size_t i = 0; i < n; ++i) rotated += static_cast<double>(o.patchSize[i]) * m[i][j];
      extent[j] = std::max(extent[j], std::abs(rotated));
    }
  };
  if (n == 3) {
    widen(rotation(3, largest(o.rotationX), 0, 0));
    widen(rotation(3, 0, largest(o.rotationY), 0));
    widen(rotation(3, 0, 0, largest(o.rotationZ)));
  } else {
    widen(rotation(2, largest(o.rotationX), 0, 0));
  }
  std::vector<int64_t> size;
  for (const double e : extent) size.push_back(static_cast<int64_t>(e / kPatchScale));
  if (o.dummy2D) size[0] = o.patchSize[0];
  return size;
}

AugmentedBatch augmentBatch(const torch::Tensor& data, const torch::Tensor& seg, const AugmentationOptions& o,
                            std::mt19937_64& rng) {
  checkShapes(data, seg, o);
  Draw draw(rng);
  const torch::Tensor floatData = data.to(torch::kFloat), floatSeg = seg.to(torch::kFloat);
  std::vector<torch::Tensor> samples, segs;
  for (int64_t b = 0; b < data.size(0); ++b) {
    auto [d, s] = spatialTransform(floatData[b], floatSeg[b], o, draw);
    d = intensityTransforms(d, o, draw);
    std::vector<int64_t> flips;
    for (const int axis : o.mirrorAxes)
      if (draw.chance(o.pMirrorPerAxis)) flips.push_back(axis + 1);
    if (!flips.empty()) {
      d = d.flip(flips);
      s = s.flip(flips);
    }
    samples.push_back(d);
    segs.push_back(s.masked_fill(s == -1, 0));  // RemoveLabelTransform(-1, 0)
  }
  AugmentedBatch out{torch::stack(samples), {}};
  const torch::Tensor target = torch::stack(segs);
  if (o.deepSupervisionScales.empty()) out.targets.push_back(target);
  // DownsampleSegForDSTransform2, order 0.
  for (const std::vector<double>& scale : o.deepSupervisionScales) {
    std::vector<int64_t> size;
    for (size_t a = 0; a < scale.size(); ++a)
      size.push_back(static_cast<int64_t>(std::nearbyint(static_cast<double>(o.patchSize[a]) * scale[a])));
    const bool full = std::all_of(scale.begin(), scale.end(), [](double f) { return f == 1.0; });
    out.targets.push_back(full ? target : nearestResize(target, size));
  }
  return out;
}

}  // namespace krait::training
