#include "patch_image.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <stdexcept>

namespace krait::wsi {
namespace {

// Patches beyond this many cells are drawn on a coarser grid (squares rounded to it): the accumulators and the
// image stay within a few tens of megabytes.
constexpr double kMaxCells = 4.0 * 1024 * 1024;

// Where each patch falls on a grid of cells: the grid is the patches' common divisor (their side and their
// offsets: CLAM's grids start at each tissue region's own corner), so that squares are exact, unless that makes
// more than kMaxCells cells.
struct Grid {
  double ox = 0, oy = 0, cell = 1;
  int cols = 0, rows = 0;
  // The cells [x0, x1) x [y0, y1) a patch covers, at least one.
  QRect cellsOf(const std::array<int64_t, 2>& c, int64_t size) const {
    auto at = [&](double v, double o) { return static_cast<int>(std::lround((v - o) / cell)); };
    const int x0 = at(static_cast<double>(c[0]), ox), y0 = at(static_cast<double>(c[1]), oy);
    const int x1 = std::max(x0 + 1, at(static_cast<double>(c[0] + size), ox));
    const int y1 = std::max(y0 + 1, at(static_cast<double>(c[1] + size), oy));
    return QRect(QPoint(x0, y0), QPoint(std::min(x1, cols) - 1, std::min(y1, rows) - 1));
  }
};

Grid gridOf(const PatchLayer& layer) {
  Grid g;
  int64_t minX = layer.coords[0][0], minY = layer.coords[0][1], maxX = minX, maxY = minY;
  for (const auto& c : layer.coords) {
    minX = std::min(minX, c[0]), minY = std::min(minY, c[1]);
    maxX = std::max(maxX, c[0]), maxY = std::max(maxY, c[1]);
  }
  int64_t divisor = layer.size;
  for (const auto& c : layer.coords) divisor = std::gcd(divisor, std::gcd(c[0] - minX, c[1] - minY));
  g.cell = static_cast<double>(std::max<int64_t>(divisor, 1));
  const double width = static_cast<double>(maxX - minX + layer.size), height = static_cast<double>(maxY - minY + layer.size);
  const double cells = (width / g.cell) * (height / g.cell);
  if (cells > kMaxCells) g.cell *= std::sqrt(cells / kMaxCells);
  g.ox = static_cast<double>(minX), g.oy = static_cast<double>(minY);
  g.cols = std::max(1, static_cast<int>(std::ceil(width / g.cell)));
  g.rows = std::max(1, static_cast<int>(std::ceil(height / g.cell)));
  return g;
}

QRgb colourOf(Colormap map, double value, int alpha) {
  const Rgb c = colormapColor(map, value);
  return qPremultiply(qRgba(c[0], c[1], c[2], alpha));
}

PatchImage imageOf(const Grid& g) {
  PatchImage out;
  out.image = QImage(g.cols, g.rows, QImage::Format_ARGB32_Premultiplied);
  out.image.fill(Qt::transparent);
  out.origin = QPointF(g.ox, g.oy);
  out.cell = g.cell;
  return out;
}

}  // namespace

PatchImage heatmapImage(const PatchLayer& layer, Colormap map, double threshold, double opacity) {
  if (layer.scores.size() != layer.coords.size())
    throw std::invalid_argument("heatmap: " + std::to_string(layer.scores.size()) + " scores for " +
                                std::to_string(layer.coords.size()) + " patches");
  if (layer.coords.empty() || layer.size <= 0) return {};
  const Grid g = gridOf(layer);
  const auto n = static_cast<std::size_t>(g.cols) * static_cast<std::size_t>(g.rows);
  std::vector<float> sum(n, 0.0f);
  std::vector<uint32_t> count(n, 0);
  for (std::size_t i = 0; i < layer.coords.size(); ++i) {
    const QRect cells = g.cellsOf(layer.coords[i], layer.size);
    const float score = std::clamp(layer.scores[i], 0.0f, 1.0f);
    for (int y = std::max(0, cells.top()); y <= cells.bottom(); ++y)
      for (int x = std::max(0, cells.left()); x <= cells.right(); ++x) {
        const std::size_t at = static_cast<std::size_t>(y) * static_cast<std::size_t>(g.cols) + static_cast<std::size_t>(x);
        sum[at] += score;
        ++count[at];
      }
  }
  PatchImage out = imageOf(g);
  const int alpha = static_cast<int>(std::lround(std::clamp(opacity, 0.0, 1.0) * 255));
  for (int y = 0; y < g.rows; ++y) {
    auto* line = reinterpret_cast<QRgb*>(out.image.scanLine(y));
    for (int x = 0; x < g.cols; ++x) {
      const std::size_t at = static_cast<std::size_t>(y) * static_cast<std::size_t>(g.cols) + static_cast<std::size_t>(x);
      if (count[at] == 0) continue;
      const double mean = sum[at] / static_cast<float>(count[at]);
      if (mean >= threshold) line[x] = colourOf(map, mean, alpha);
    }
  }
  return out;
}

PatchImage coverageImage(const PatchLayer& layer, QColor colour) {
  if (layer.coords.empty() || layer.size <= 0) return {};
  const Grid g = gridOf(layer);
  PatchImage out = imageOf(g);
  const QRgb premultiplied = qPremultiply(colour.rgba());
  for (const auto& c : layer.coords) {
    const QRect cells = g.cellsOf(c, layer.size);
    for (int y = std::max(0, cells.top()); y <= cells.bottom(); ++y) {
      auto* line = reinterpret_cast<QRgb*>(out.image.scanLine(y));
      for (int x = std::max(0, cells.left()); x <= cells.right(); ++x) line[x] = premultiplied;
    }
  }
  return out;
}

}  // namespace krait::wsi
