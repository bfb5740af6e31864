#include "overlays.h"

#include <QPainter>

#include <algorithm>
#include <cmath>

namespace krait::wsi {
namespace {

const QColor kTissue(0, 255, 0);   // CLAM's contour colour
const QColor kHole(0, 0, 255);     // CLAM's hole colour
const QColor kPatch(20, 60, 200);  // the grid: dark blue, apart from the stains' browns and the tissue's green
constexpr double kOutlineMinPx = 6;  // smaller squares are tinted, not outlined: outlines would merge into a fill
constexpr double kTintOpacity = 0.35;  // of the tint, at the layer's full opacity: the slide must show through it

QColor withOpacity(QColor colour, double opacity) {
  colour.setAlphaF(static_cast<float>(opacity));
  return colour;
}

// Runs on one line that overlap or touch, joined: a regular grid's edges become one run per grid line.
void appendMerged(std::vector<GridRun> runs, std::vector<GridRun>& out) {
  std::sort(runs.begin(), runs.end(), [](const GridRun& a, const GridRun& b) { return a.at != b.at ? a.at < b.at : a.from < b.from; });
  const std::size_t first = out.size();
  for (const GridRun& r : runs) {
    if (out.size() > first && out.back().at == r.at && r.from <= out.back().to) out.back().to = std::max(out.back().to, r.to);
    else out.push_back(r);
  }
}

QPainterPath pathOf(const Ring& ring) {
  QPainterPath path;
  if (ring.empty()) return path;
  path.moveTo(ring[0][0], ring[0][1]);
  for (std::size_t i = 1; i < ring.size(); ++i) path.lineTo(ring[i][0], ring[i][1]);
  path.closeSubpath();
  return path;
}

// The part of `image` in view, scaled to the screen without smoothing: each cell stays a crisp square.
void paintPatchImage(QPainter& p, const PatchImage& image, const ViewTransform& view) {
  if (image.image.isNull()) return;
  const QRectF seen = view.visibleLevel0() & image.level0();
  if (seen.isEmpty()) return;
  auto cellAt = [&](double v, double origin, double (*round)(double), int limit) {
    return std::clamp(static_cast<int>(round((v - origin) / image.cell)), 0, limit);
  };
  const int c0 = cellAt(seen.left(), image.origin.x(), std::floor, image.image.width());
  const int c1 = cellAt(seen.right(), image.origin.x(), std::ceil, image.image.width());
  const int r0 = cellAt(seen.top(), image.origin.y(), std::floor, image.image.height());
  const int r1 = cellAt(seen.bottom(), image.origin.y(), std::ceil, image.image.height());
  if (c1 <= c0 || r1 <= r0) return;
  const QRectF level0(image.origin + QPointF(c0 * image.cell, r0 * image.cell), QSizeF((c1 - c0) * image.cell, (r1 - r0) * image.cell));
  p.setRenderHint(QPainter::SmoothPixmapTransform, false);
  p.drawImage(view.toScreen(level0), image.image, QRectF(c0, r0, c1 - c0, r1 - r0));
}

}  // namespace

Overlays::Overlays() {
  styles_[static_cast<std::size_t>(Layer::Patches)].opacity = 0.6;
  styles_[static_cast<std::size_t>(Layer::Heatmap)].opacity = 0.4;  // CLAM's default alpha: the tissue shows through
}

void Overlays::setTissue(std::vector<TissueRegion> regions) {
  tissue_ = std::move(regions);
  outlines_.clear();
  holes_.clear();
  for (const TissueRegion& r : tissue_) {
    outlines_.push_back(pathOf(r.outer));
    QPainterPath holes;
    for (const Ring& h : r.holes) holes.addPath(pathOf(h));
    holes_.push_back(holes);
  }
}

void Overlays::setPatches(PatchLayer layer) {
  patches_ = std::move(layer);
  rebuildPatchTint();
  // The squares' edges, each once: neighbours share edges, and a shared edge drawn twice with a translucent pen
  // would come out darker than the grid's border. Joined into runs once here, not at every frame.
  std::vector<GridRun> across, down;
  const double side = static_cast<double>(patches_.size);
  for (const auto& c : patches_.coords) {
    const double x = static_cast<double>(c[0]), y = static_cast<double>(c[1]);
    across.insert(across.end(), {{GridRun::Across, y, x, x + side}, {GridRun::Across, y + side, x, x + side}});
    down.insert(down.end(), {{GridRun::Down, x, y, y + side}, {GridRun::Down, x + side, y, y + side}});
  }
  gridRuns_.clear();
  appendMerged(std::move(across), gridRuns_);
  appendMerged(std::move(down), gridRuns_);
}

void Overlays::setHeatmap(PatchLayer layer) {
  PatchImage image = heatmapImage(layer, colormap_, threshold_, style(Layer::Heatmap).opacity);
  heatmap_ = std::move(layer);
  heatImage_ = std::move(image);
}

void Overlays::rebuildHeatImage() { heatImage_ = heatmapImage(heatmap_, colormap_, threshold_, style(Layer::Heatmap).opacity); }

void Overlays::rebuildPatchTint() {
  QColor tint = kPatch;
  tint.setAlphaF(static_cast<float>(kTintOpacity * style(Layer::Patches).opacity));
  patchTint_ = coverageImage(patches_, tint);
}

void Overlays::clear() {
  setTissue({});
  setPatches({});
  setHeatmap({});
}

void Overlays::setVisible(Layer layer, bool visible) { styles_[static_cast<std::size_t>(layer)].visible = visible; }

void Overlays::setOpacity(Layer layer, double opacity) {
  styles_[static_cast<std::size_t>(layer)].opacity = std::clamp(opacity, 0.0, 1.0);
  if (layer == Layer::Heatmap) rebuildHeatImage();
  if (layer == Layer::Patches) rebuildPatchTint();
}

void Overlays::setHeatmapThreshold(double threshold) {
  threshold_ = threshold;
  rebuildHeatImage();
}

void Overlays::setColormap(Colormap map) {
  colormap_ = map;
  rebuildHeatImage();
}

// Opacity is in the layers' colours, never the painter's: QPainter::setOpacity sends scaled images down a slower
// blending path (a frame of heatmap took 3 times as long).
void Overlays::paint(QPainter& p, const ViewTransform& view) const {
  auto shown = [&](Layer layer) { return style(layer).visible && style(layer).opacity > 0; };
  p.save();
  if (shown(Layer::Heatmap)) paintPatchImage(p, heatImage_, view);
  if (shown(Layer::Patches)) paintPatches(p, view);
  if (shown(Layer::Tissue)) paintTissue(p, view);
  p.restore();
}

void Overlays::paintPatches(QPainter& p, const ViewTransform& view) const {
  if (patches_.coords.empty()) return;
  if (static_cast<double>(patches_.size) * view.scale < kOutlineMinPx) {
    paintPatchImage(p, patchTint_, view);
    return;
  }
  // Each run as a rectangle one pixel across, filled: QPainter fills a translucent rectangle a scanline at a time,
  // where it draws a translucent line a pixel at a time (a frame of a 16 px grid took 30 ms as lines).
  const QColor colour = withOpacity(kPatch, style(Layer::Patches).opacity);
  const QRect screen(QPoint(0, 0), view.viewport.toSize());
  for (const GridRun& r : gridRuns_) {
    const bool across = r.direction == GridRun::Across;
    const QPointF from = view.toScreen(across ? QPointF(r.from, r.at) : QPointF(r.at, r.from));
    const QPointF to = view.toScreen(across ? QPointF(r.to, r.at) : QPointF(r.at, r.to));
    const int x = static_cast<int>(std::floor(from.x())), y = static_cast<int>(std::floor(from.y()));
    const QRect line = across ? QRect(x, y, static_cast<int>(std::floor(to.x())) - x + 1, 1)
                              : QRect(x, y, 1, static_cast<int>(std::floor(to.y())) - y + 1);
    if (const QRect shown = line & screen; !shown.isEmpty()) p.fillRect(shown, colour);
  }
}

void Overlays::paintTissue(QPainter& p, const ViewTransform& view) const {
  const QRectF seen = view.visibleLevel0();
  p.setRenderHint(QPainter::Antialiasing, true);
  p.setBrush(Qt::NoBrush);
  p.setTransform(view.level0ToScreen());
  const double opacity = style(Layer::Tissue).opacity;
  QPen outline(withOpacity(kTissue, opacity), 2);
  outline.setCosmetic(true);  // the width in screen pixels at any zoom
  QPen hole(withOpacity(kHole, opacity), 2, Qt::DashLine);
  hole.setCosmetic(true);
  for (std::size_t i = 0; i < outlines_.size(); ++i) {
    if (!outlines_[i].boundingRect().intersects(seen)) continue;
    p.setPen(outline);
    p.drawPath(outlines_[i]);
    if (holes_[i].isEmpty()) continue;
    p.setPen(hole);
    p.drawPath(holes_[i]);
  }
  p.resetTransform();
}

}  // namespace krait::wsi
