#include "heatmap.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "exports.h"

namespace krait::wsi {
namespace {

// A rectangle of the level grid covered by a patch, clipped to the grid (CLAM's numpy slices clip the far side;
// its corners are never negative).
struct Block {
  int x0, y0, x1, y1;
  bool empty() const { return x0 >= x1 || y0 >= y1; }
};

Block patchBlock(const std::array<int64_t, 2>& corner, double scaleX, double scaleY, int patchW, int patchH, int width,
                 int height) {
  // CLAM: np.ceil(coords * scale).astype(int), the level-0 corner times the inverse downsample, rounded up.
  const double x = std::ceil(static_cast<double>(corner[0]) * scaleX);
  const double y = std::ceil(static_cast<double>(corner[1]) * scaleY);
  const auto clip = [](double v, int limit) {
    return static_cast<int>(std::clamp(v, 0.0, static_cast<double>(limit)));
  };
  return {clip(x, width), clip(y, height), clip(x + patchW, width), clip(y + patchH, height)};
}

// The tissue mask at the level (CLAM's get_seg_mask): polygons scaled and truncated to int, filled largest first by
// area at the level (ties in the given order), each region's holes cleared right after it, so that a smaller region
// inside a larger one's hole is filled again.
cv::Mat tissueMask(const std::vector<TissueRegion>& tissue, double scaleX, double scaleY, int width, int height,
                   bool useHoles) {
  const auto scaled = [&](const Ring& ring) {
    std::vector<cv::Point> out;
    out.reserve(ring.size());
    for (const Point& p : ring)
      out.emplace_back(static_cast<int>(p[0] * scaleX), static_cast<int>(p[1] * scaleY));  // numpy's int32 cast
    return out;
  };
  std::vector<std::vector<cv::Point>> outers;
  std::vector<std::vector<std::vector<cv::Point>>> holes;
  for (const TissueRegion& region : tissue) {
    outers.push_back(scaled(region.outer));
    holes.emplace_back();
    for (const Ring& hole : region.holes) holes.back().push_back(scaled(hole));
  }
  std::vector<size_t> order(outers.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::vector<double> areas;
  for (const auto& outer : outers) areas.push_back(outer.empty() ? 0.0 : cv::contourArea(outer));
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return areas[a] > areas[b]; });

  cv::Mat mask(height, width, CV_8U, cv::Scalar(0));
  for (const size_t i : order) {
    if (outers[i].empty()) continue;
    cv::drawContours(mask, std::vector<std::vector<cv::Point>>{outers[i]}, 0, cv::Scalar(1), cv::FILLED);
    // All of a region's holes in one call, as CLAM: OpenCV fills them together (overlapping holes cancel out).
    if (useHoles && !holes[i].empty()) cv::drawContours(mask, holes[i], -1, cv::Scalar(0), cv::FILLED);
  }
  return mask;
}

// PIL's Image.resize with its default BICUBIC filter (Pillow's Resample.c: a bicubic kernel a = -0.5 widened by the
// reduction factor, weights in 22-bit fixed point, a horizontal pass then a vertical one, each rounded to 8 bits),
// which CLAM's custom_downsample and max_size use. Reproduced rather than approximated with OpenCV, whose kernels
// and rounding differ, so that resized heatmaps match CLAM's to the byte.
constexpr int kPrecisionBits = 32 - 8 - 2;

struct ResampleCoefficients {
  int taps = 0;                   // coefficients per output pixel
  std::vector<int> first, count;  // the input span of each output pixel
  std::vector<int32_t> weights;   // taps per output pixel, fixed point
};

double bicubic(double x) {
  constexpr double a = -0.5;
  x = std::abs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

ResampleCoefficients resampleCoefficients(int inSize, int outSize) {
  // Pillow takes the source span as floats.
  const double scale = static_cast<double>(static_cast<float>(inSize)) / outSize;
  const double filterScale = std::max(scale, 1.0);
  const double support = 2.0 * filterScale;
  ResampleCoefficients c;
  c.taps = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.first.resize(outSize);
  c.count.resize(outSize);
  c.weights.assign(static_cast<size_t>(outSize) * c.taps, 0);
  std::vector<double> w(c.taps);
  for (int o = 0; o < outSize; ++o) {
    const double center = (o + 0.5) * scale;
    const int lo = std::max(static_cast<int>(center - support + 0.5), 0);
    const int hi = std::min(static_cast<int>(center + support + 0.5), inSize);
    const double step = 1.0 / filterScale;  // Pillow multiplies by the reciprocal; dividing can differ in the last bit
    double total = 0;
    for (int i = 0; i < hi - lo; ++i) total += w[i] = bicubic((i + lo - center + 0.5) * step);
    for (int i = 0; i < hi - lo; ++i) {
      const double normalised = total != 0.0 ? w[i] / total : w[i];
      const double fixed = normalised * (1 << kPrecisionBits);
      c.weights[static_cast<size_t>(o) * c.taps + i] = static_cast<int32_t>(normalised < 0 ? fixed - 0.5 : fixed + 0.5);
    }
    c.first[o] = lo;
    c.count[o] = hi - lo;
  }
  return c;
}

uint8_t clip8(int v) { return static_cast<uint8_t>(std::clamp(v >> kPrecisionBits, 0, 255)); }

// One pass along x (horizontal) or y of an interleaved RGB image.
RgbImage resamplePass(const RgbImage& in, int outSize, bool horizontal) {
  const auto c = resampleCoefficients(static_cast<int>(horizontal ? in.width : in.height), outSize);
  RgbImage out;
  out.width = horizontal ? outSize : in.width;
  out.height = horizontal ? in.height : outSize;
  out.pixels.resize(static_cast<size_t>(out.width * out.height * 3));
  const int64_t step = horizontal ? 3 : in.width * 3;  // bytes between neighbours along the pass
  for (int64_t y = 0; y < out.height; ++y)
    for (int64_t x = 0; x < out.width; ++x) {
      const int o = static_cast<int>(horizontal ? x : y);
      const uint8_t* src =
          in.pixels.data() + (horizontal ? (y * in.width + c.first[o]) * 3 : (c.first[o] * in.width + x) * 3);
      const int32_t* k = &c.weights[static_cast<size_t>(o) * c.taps];
      int sum[3] = {1 << (kPrecisionBits - 1), 1 << (kPrecisionBits - 1), 1 << (kPrecisionBits - 1)};
      for (int i = 0; i < c.count[o]; ++i, src += step)
        for (int ch = 0; ch < 3; ++ch) sum[ch] += src[ch] * k[i];
      uint8_t* dst = out.pixels.data() + (y * out.width + x) * 3;
      for (int ch = 0; ch < 3; ++ch) dst[ch] = clip8(sum[ch]);
    }
  return out;
}

RgbImage resizeLikePil(RgbImage image, int64_t width, int64_t height) {
  width = std::max<int64_t>(width, 1), height = std::max<int64_t>(height, 1);
  if (width != image.width) image = resamplePass(image, static_cast<int>(width), true);
  if (height != image.height) image = resamplePass(image, static_cast<int>(height), false);
  return image;
}

cv::Mat asMat(RgbImage& image) {
  return cv::Mat(static_cast<int>(image.height), static_cast<int>(image.width), CV_8UC3, image.pixels.data());
}

}  // namespace

std::vector<double> percentileRanks(const std::vector<float>& scores) {
  std::vector<size_t> order;
  for (size_t i = 0; i < scores.size(); ++i)
    if (!std::isnan(scores[i])) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  std::vector<double> ranks(scores.size(), std::nan(""));
  const double n = static_cast<double>(order.size());
  for (size_t lo = 0; lo < order.size();) {
    size_t hi = lo + 1;
    while (hi < order.size() && scores[order[hi]] == scores[order[lo]]) ++hi;
    // scipy's 'average': the mean of the 1-based ranks lo+1 .. hi, as 0.5 * (hi + lo + 1); then / n * 100.
    const double rank = 0.5 * static_cast<double>(hi + lo + 1);
    for (size_t j = lo; j < hi; ++j) ranks[order[j]] = rank / n * 100;
    lo = hi;
  }
  return ranks;
}

std::vector<float> percentilesAgainst(const std::vector<float>& reference, const std::vector<float>& scores) {
  std::vector<float> sorted;
  for (const float r : reference)
    if (!std::isnan(r)) sorted.push_back(r);
  std::sort(sorted.begin(), sorted.end());
  std::vector<float> out;
  out.reserve(scores.size());
  for (const float s : scores) {
    if (sorted.empty() || std::isnan(s)) {
      out.push_back(std::nanf(""));
      continue;
    }
    // percentileofscore(kind='rank'): (below + at-or-below + [any equal]) * 50 / n.
    const auto below = std::lower_bound(sorted.begin(), sorted.end(), s) - sorted.begin();
    const auto atOrBelow = std::upper_bound(sorted.begin(), sorted.end(), s) - sorted.begin();
    const auto sum = below + atOrBelow + (below < atOrBelow ? 1 : 0);
    out.push_back(static_cast<float>(static_cast<double>(sum) * (50.0 / static_cast<double>(sorted.size()))));
  }
  return out;
}

RgbImage renderHeatmap(const Slide& slide, const PatchLayer& layer, const std::vector<TissueRegion>& tissue,
                       const HeatmapOptions& options) {
  const auto& levels = slide.levels();
  const int level = options.visLevel < 0 ? slide.bestLevelForDownsample(32) : options.visLevel;
  if (level >= static_cast<int>(levels.size()))
    throw std::invalid_argument("vis level " + std::to_string(level) + " is past the slide's " +
                                std::to_string(levels.size()) + " levels");
  if (layer.scores.size() != layer.coords.size())
    throw std::invalid_argument("heatmap needs one score per patch (" + std::to_string(layer.scores.size()) +
                                " scores, " + std::to_string(layer.coords.size()) + " patches)");
  if (layer.size < 1) throw std::invalid_argument("heatmap needs a patch size of at least 1");
  const int width = static_cast<int>(levels[level].width), height = static_cast<int>(levels[level].height);
  // CLAM's per-axis downsample: level-0 size over this level's (OpenSlide's single downsample averages the axes).
  const double scaleX = 1 / (static_cast<double>(levels[0].width) / width);
  const double scaleY = 1 / (static_cast<double>(levels[0].height) / height);
  const int patchW = static_cast<int>(std::ceil(static_cast<double>(layer.size) * scaleX));
  const int patchH = static_cast<int>(std::ceil(static_cast<double>(layer.size) * scaleY));

  // Scores on 0..1: percentile ranks / 100 in double, or the given percentiles / 100 in float, as CLAM's arrays.
  const size_t n = layer.scores.size();
  std::vector<double> scores(n);
  if (options.convertToPercentiles) {
    const auto ranks = percentileRanks(layer.scores);
    for (size_t i = 0; i < n; ++i) scores[i] = ranks[i] / 100;
  } else {
    for (size_t i = 0; i < n; ++i) scores[i] = layer.scores[i] / 100.0f;
  }
  const double threshold = !options.binarize       ? 0.0
                           : options.threshold < 0 ? 1.0 / static_cast<double>(n)
                                                   : options.threshold;

  // Mean score per pixel of the level grid; patches below the threshold add 0 but still count.
  cv::Mat mean(height, width, CV_64F, cv::Scalar(0));
  cv::Mat count(height, width, CV_32S, cv::Scalar(0));
  cv::Mat painted(height, width, CV_8U, cv::Scalar(0));
  for (size_t i = 0; i < n; ++i) {
    if (std::isnan(scores[i])) continue;
    const Block b = patchBlock(layer.coords[i], scaleX, scaleY, patchW, patchH, width, height);
    if (b.empty()) continue;
    const cv::Rect r(b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0);
    const bool counted = scores[i] >= threshold;
    mean(r) += cv::Scalar(counted ? (options.binarize ? 1.0 : scores[i]) : 0.0);
    count(r) += cv::Scalar(1);
    if (counted) painted(r).setTo(1);
  }
  for (int y = 0; y < height; ++y) {
    auto* m = mean.ptr<double>(y);
    const auto* c = count.ptr<int32_t>(y);
    for (int x = 0; x < width; ++x)
      if (c[x] > 0) m[x] = options.binarize ? std::nearbyint(m[x] / c[x]) : m[x] / c[x];  // numpy's half-to-even
  }
  // CLAM's kernel: 2 * int(patch size at the level * (1 - overlap)) + 1, sigma from the size.
  const cv::Size kernel(static_cast<int>(patchW * (1 - options.overlap)) * 2 + 1,
                        static_cast<int>(patchH * (1 - options.overlap)) * 2 + 1);
  if (options.blur) cv::GaussianBlur(mean, mean, kernel, 0);

  RgbImage canvas;
  if (options.blankCanvas) {
    canvas.width = width, canvas.height = height;
    canvas.pixels.assign(static_cast<size_t>(width) * height * 3, 255);
  } else {
    canvas = slide.readRegion(0, 0, level, width, height);
  }
  const cv::Mat tissueOnly =
      options.segment ? tissueMask(tissue, scaleX, scaleY, width, height, options.useHoles) : cv::Mat();
  RgbImage image = canvas;
  for (int y = 0; y < height; ++y) {
    const auto* p = painted.ptr<uint8_t>(y);
    const auto* t = options.segment ? tissueOnly.ptr<uint8_t>(y) : nullptr;
    const auto* m = mean.ptr<double>(y);
    for (int x = 0; x < width; ++x) {
      if (!p[x] || (t && !t[x])) continue;
      const Rgb colour = colormapColor(options.colormap, m[x]);
      std::copy(colour.begin(), colour.end(), image.pixels.begin() + (static_cast<size_t>(y) * width + x) * 3);
    }
  }
  // CLAM blurs the coloured image too (slide included), and blends over the canvas unblurred.
  cv::Mat out = asMat(image);
  if (options.blur) cv::GaussianBlur(out, out, kernel, 0);
  // CLAM re-reads the canvas block by block for the blend, at level-0 steps of 1024 * int(downsample), which
  // misaligns the blocks after the first when the downsample is not an integer; the canvas read once is used here.
  if (options.alpha < 1.0) cv::addWeighted(out, options.alpha, asMat(canvas), 1 - options.alpha, 0, out);

  // CLAM compares max_size with the size before custom_downsample, and resizes again from that size.
  const int64_t w = image.width, h = image.height;
  if (options.customDownsample > 1)
    image = resizeLikePil(std::move(image), static_cast<int64_t>(w / options.customDownsample),
                          static_cast<int64_t>(h / options.customDownsample));
  if (options.maxSize > 0 && (w > options.maxSize || h > options.maxSize)) {
    const double factor = w > h ? static_cast<double>(options.maxSize) / w : static_cast<double>(options.maxSize) / h;
    image = resizeLikePil(std::move(image), static_cast<int64_t>(w * factor), static_cast<int64_t>(h * factor));
  }
  return image;
}

std::vector<size_t> topK(const PatchLayer& layer, size_t k, bool highest) {
  std::vector<size_t> order;
  for (size_t i = 0; i < layer.scores.size(); ++i)
    if (!std::isnan(layer.scores[i])) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return highest ? layer.scores[a] > layer.scores[b] : layer.scores[a] < layer.scores[b];
  });
  order.resize(std::min(k, order.size()));
  return order;
}

std::vector<std::string> saveTopKPatches(const Slide& slide, const PatchLayer& layer,
                                         const std::vector<size_t>& indices, int level, int64_t size,
                                         const std::string& directory) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(directory, ec);
  if (ec) throw SlideError(directory, "cannot create the folder: " + ec.message());
  std::vector<std::string> written;
  for (size_t rank = 0; rank < indices.size(); ++rank) {
    const size_t i = indices[rank];
    const auto& corner = layer.coords.at(i);
    const std::string name = std::to_string(rank) + "_x" + std::to_string(corner[0]) + "_y" +
                             std::to_string(corner[1]) + "_s" + floatText(layer.scores.at(i)) + ".png";
    const std::string path = (fs::path(directory) / name).string();
    writePng(slide.readRegion(corner[0], corner[1], level, size, size), path);
    written.push_back(path);
  }
  return written;
}

}  // namespace krait::wsi
