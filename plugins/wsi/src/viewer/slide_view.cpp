#include "slide_view.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

#include "tile_grid.h"
#include "to_qimage.h"

namespace krait::wsi {
namespace {

const QColor kOutside(58, 58, 62);     // around the slide: darker than any stain or glass
const QColor kUnread(222, 222, 222);   // inside the slide where no level has arrived (only without an overview)
constexpr int64_t kOverviewMaxPixels = int64_t{16} << 20;
constexpr int kReaders = 2;            // worker threads: OpenSlide decodes tiles in parallel, the machine is small
constexpr double kMaxScale = 8;        // screen pixels per level-0 pixel at the closest zoom
constexpr double kWheelStep = 1.25;    // zoom per wheel notch (120 eighths of a degree) and per key press

// Whole screen pixels for the edges, so that neighbouring tiles share theirs exactly: no seams between them.
QRectF snapped(const QRectF& r) {
  const double left = std::round(r.left()), top = std::round(r.top());
  return {left, top, std::round(r.right()) - left, std::round(r.bottom()) - top};
}

// The `part` (level-0 pixels) of an image covering `whole` (level-0 pixels), drawn where the view puts it.
void paintPart(QPainter& p, const ViewTransform& view, const QImage& image, const QRectF& whole, const QRectF& part) {
  const double sx = image.width() / whole.width(), sy = image.height() / whole.height();
  const QRectF source((part.left() - whole.left()) * sx, (part.top() - whole.top()) * sy, part.width() * sx, part.height() * sy);
  p.drawImage(snapped(view.toScreen(part)), image, source);
}

}  // namespace

SlideView::SlideView(QWidget* parent) : QWidget(parent) {
  setFocusPolicy(Qt::StrongFocus);
  setAttribute(Qt::WA_OpaquePaintEvent);  // every pixel is painted: Qt need not clear first
}

SlideView::~SlideView() = default;

void SlideView::setSlide(std::shared_ptr<const Slide> slide) {
  QImage overview;
  int overviewLevel = -1;
  if (slide) {
    const int last = static_cast<int>(slide->levels().size()) - 1;
    const Level& l = slide->levels().back();
    if (l.width * l.height <= kOverviewMaxPixels) {
      overview = toQImage(slide->readRegion(0, 0, last, l.width, l.height));
      overviewLevel = last;
    }
  }
  loader_.reset();  // waits for its reads; their tiles still queued for the GUI thread carry the old generation
  ++generation_;
  cache_.clear();
  failed_.clear();
  lastRequest_.clear();
  errorReported_ = false;
  overlays_.clear();
  slide_ = std::move(slide);
  overview_ = std::move(overview);
  overviewLevel_ = overviewLevel;
  if (slide_)
    loader_ = std::make_unique<TileLoader>(
        slide_, kReaders, [this, generation = generation_](const TileKey& key, QImage image, const std::string& error) {
          // On a worker thread: the tile goes to the GUI thread as a queued call (dropped by Qt if the view is gone).
          QMetaObject::invokeMethod(
              this,
              [this, generation, key, image = std::move(image), why = QString::fromStdString(error)] {
                tileArrived(generation, key, image, why);
              },
              Qt::QueuedConnection);
        });
  fit();
}

QRectF SlideView::slideRect() const {
  return slide_ ? QRectF(0, 0, static_cast<double>(slide_->width()), static_cast<double>(slide_->height())) : QRectF();
}

QRectF SlideView::overviewRect() const {
  const Level& l = slide_->levels()[static_cast<std::size_t>(overviewLevel_)];
  return {0, 0, static_cast<double>(l.width) * l.downsample, static_cast<double>(l.height) * l.downsample};
}

ViewTransform SlideView::viewTransform(QSizeF viewport) const {
  ViewTransform t;
  t.centre = centre_;
  t.scale = scale_;
  t.viewport = viewport.isEmpty() ? QSizeF(size()) : viewport;
  t.devicePixelRatio = devicePixelRatioF();
  return t;
}

double SlideView::fitScale(QSizeF viewport) const {
  if (!slide_) return 1;
  const QSizeF room(std::max(1.0, viewport.width()), std::max(1.0, viewport.height()));
  return std::min(room.width() / static_cast<double>(slide_->width()), room.height() / static_cast<double>(slide_->height()));
}

void SlideView::setView(QPointF centre, double scale) {
  const QRectF bounds = slideRect();
  // As far out as half the fitted size (the slide small in the middle), as far in as a few screen pixels a pixel.
  const double minScale = std::min(fitScale(QSizeF(size())) / 2, kMaxScale);
  scale_ = std::clamp(scale, minScale, kMaxScale);
  centre_ = QPointF(std::clamp(centre.x(), bounds.left(), bounds.right()), std::clamp(centre.y(), bounds.top(), bounds.bottom()));
  fitted_ = false;
  viewChanged();
}

void SlideView::fit() {
  setView(slideRect().center(), fitScale(QSizeF(size())));
  fitted_ = true;
}

void SlideView::zoomAt(double factor, QPointF anchor, QSizeF viewport) {
  const ViewTransform before = viewTransform(viewport);
  const QPointF under = before.toLevel0(anchor);
  const double scale = std::clamp(scale_ * factor, std::min(fitScale(QSizeF(size())) / 2, kMaxScale), kMaxScale);
  const QPointF middle(before.viewport.width() / 2, before.viewport.height() / 2);
  setView(under - (anchor - middle) / scale, scale);
}

void SlideView::zoomBy(double factor, QPointF anchor) { zoomAt(factor, anchor, QSizeF(size())); }

void SlideView::zoomBy(double factor) { zoomAt(factor, QPointF(width() / 2.0, height() / 2.0), QSizeF(size())); }

void SlideView::panBy(QPointF delta) { setView(centre_ - delta / scale_, scale_); }

void SlideView::centreOn(QPointF level0) { setView(level0, scale_); }

int SlideView::levelFor(const ViewTransform& view) const {
  return slide_ ? slide_->bestLevelForDownsample(view.downsample()) : 0;
}

int SlideView::currentLevel() const { return levelFor(viewTransform()); }

ScaleBar SlideView::scaleBar() const { return slide_ ? scaleBarFor(slide_->mppX(), scale_) : ScaleBar{}; }

void SlideView::setTissue(std::vector<TissueRegion> regions) {
  overlays_.setTissue(std::move(regions));
  update();
}

void SlideView::setPatches(PatchLayer layer) {
  overlays_.setPatches(std::move(layer));
  update();
}

void SlideView::setHeatmap(PatchLayer layer) {
  overlays_.setHeatmap(std::move(layer));
  update();
}

void SlideView::setLayerVisible(Layer layer, bool visible) {
  overlays_.setVisible(layer, visible);
  update();
}

void SlideView::setLayerOpacity(Layer layer, double opacity) {
  overlays_.setOpacity(layer, opacity);
  update();
}

void SlideView::setHeatmapThreshold(double threshold) {
  overlays_.setHeatmapThreshold(threshold);
  update();
}

void SlideView::setColormap(Colormap map) {
  overlays_.setColormap(map);
  update();
}

bool SlideView::tilesComplete(QSize viewport) const {
  if (!slide_) return true;
  const ViewTransform view = viewTransform(QSizeF(viewport));
  const int level = levelFor(view);
  if (level == overviewLevel_) return true;
  const auto keys = tilesCovering(slide_->levels(), level, view.visibleLevel0() & slideRect());
  return std::all_of(keys.begin(), keys.end(), [&](const TileKey& k) { return cache_.contains(k) || failed_.count(k); });
}

QImage SlideView::render(QSize size) {
  QImage image(size.isEmpty() ? this->size() : size, QImage::Format_RGB32);
  QPainter p(&image);
  ViewTransform view = viewTransform(QSizeF(image.size()));
  view.devicePixelRatio = 1;
  paintView(p, view);
  return image;
}

SlideView::FrameTimes SlideView::measureFrameTimes(QSize size, int steps) {
  const QPointF centre = centre_;
  const double scale = scale_;
  const bool fitted = fitted_;
  QImage frame(size, QImage::Format_RGB32);
  FrameTimes times;
  double total = 0;
  for (int i = 0; i < steps; ++i) {
    // Cycles of 16 frames: a drag of 8 moves (its direction turning each cycle), 4 wheel notches in, 4 out.
    const int phase = i % 16;
    if (phase < 8) {
      const double turn = (i / 16) % 2 == 0 ? 1.0 : -1.0;
      panBy(QPointF(-turn * size.width() / 24.0, -turn * size.height() / 36.0));
    } else {
      zoomAt(phase < 12 ? kWheelStep : 1 / kWheelStep, QPointF(size.width() * 0.35, size.height() * 0.6), QSizeF(size));
    }
    QElapsedTimer timer;
    timer.start();
    {
      QPainter p(&frame);
      ViewTransform view = viewTransform(QSizeF(size));
      view.devicePixelRatio = 1;
      paintView(p, view);
    }
    const double ms = static_cast<double>(timer.nsecsElapsed()) / 1e6;
    total += ms;
    times.maxMs = std::max(times.maxMs, ms);
    ++times.frames;
    QCoreApplication::processEvents();  // tiles that arrived meanwhile, as the event loop would deliver them
  }
  times.meanMs = times.frames ? total / times.frames : 0;
  setView(centre, scale);
  fitted_ = fitted;
  return times;
}

void SlideView::addViewListener(std::function<void()> listener) { listeners_.push_back(std::move(listener)); }

void SlideView::setErrorHandler(std::function<void(const QString&)> handler) { errorHandler_ = std::move(handler); }

void SlideView::viewChanged() {
  update();
  for (const auto& listener : listeners_) listener();
}

void SlideView::tileArrived(uint64_t generation, const TileKey& key, const QImage& image, const QString& error) {
  if (generation != generation_) return;
  if (!error.isEmpty()) {
    failed_.insert(key);  // not asked again: the coarser level stands in for it
    if (!errorReported_ && errorHandler_) errorHandler_(error);
    errorReported_ = true;
  } else {
    cache_.insert(key, image);
  }
  update();
}

void SlideView::paintView(QPainter& p, const ViewTransform& view) {
  const QRectF screen(QPointF(0, 0), view.viewport);
  p.fillRect(screen, kOutside);
  if (!slide_) {
    p.setPen(QColor(200, 200, 200));
    p.drawText(screen, Qt::AlignCenter, QStringLiteral("No slide open"));
    return;
  }
  const QRectF seen = view.visibleLevel0() & slideRect();
  const int level = levelFor(view);
  std::vector<TileKey> missing;
  // Bilinear where a level is scaled: nearest-neighbour sampling of a level shrunk by up to 2 would shimmer.
  p.setRenderHint(QPainter::SmoothPixmapTransform, true);
  if (level == overviewLevel_) {
    paintPart(p, view, overview_, overviewRect(), seen);
  } else {
    for (const TileKey& key : tilesCovering(slide_->levels(), level, seen)) {
      const TileSpan span = tileSpan(slide_->levels()[static_cast<std::size_t>(level)], key);
      if (const QImage* tile = cache_.find(key)) {
        paintPart(p, view, *tile, span.level0, span.level0);
        continue;
      }
      if (!failed_.count(key)) missing.push_back(key);
      if (!paintFromCoarser(p, view, span.level0, level)) p.fillRect(snapped(view.toScreen(span.level0)), kUnread);
    }
  }
  if (loader_ && missing != lastRequest_) {
    loader_->request(missing);
    lastRequest_ = std::move(missing);
  }
  overlays_.paint(p, view);
  paintScaleBar(p, scaleBarFor(slide_->mppX(), view.scale), screen);
}

bool SlideView::paintFromCoarser(QPainter& p, const ViewTransform& view, const QRectF& area, int level) {
  const auto& levels = slide_->levels();
  for (int coarser = level + 1; coarser < static_cast<int>(levels.size()); ++coarser) {
    if (coarser == overviewLevel_) {
      paintPart(p, view, overview_, overviewRect(), area);
      return true;
    }
    const Level& l = levels[static_cast<std::size_t>(coarser)];
    const auto keys = tilesCovering(levels, coarser, area);
    if (keys.empty() || !std::all_of(keys.begin(), keys.end(), [&](const TileKey& k) { return cache_.contains(k); })) continue;
    for (const TileKey& key : keys) {
      const TileSpan span = tileSpan(l, key);
      paintPart(p, view, *cache_.find(key), span.level0, span.level0 & area);
    }
    return true;
  }
  return false;
}

void SlideView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  paintView(p, viewTransform());
}

void SlideView::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  if (fitted_) fit();
}

void SlideView::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return QWidget::mousePressEvent(event);
  dragging_ = true;
  lastPointer_ = event->position();
  setCursor(Qt::ClosedHandCursor);
}

void SlideView::mouseMoveEvent(QMouseEvent* event) {
  if (!dragging_) return QWidget::mouseMoveEvent(event);
  panBy(event->position() - lastPointer_);
  lastPointer_ = event->position();
}

void SlideView::mouseReleaseEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton || !dragging_) return QWidget::mouseReleaseEvent(event);
  panBy(event->position() - lastPointer_);  // the last stretch of the drag, when no move reported it
  dragging_ = false;
  unsetCursor();
}

void SlideView::mouseDoubleClickEvent(QMouseEvent* event) {
  if (event->button() == Qt::LeftButton) zoomBy(2, event->position());
}

void SlideView::wheelEvent(QWheelEvent* event) {
  const int eighths = event->angleDelta().y();  // eighths of a degree: 120 a notch, less from touchpads
  if (eighths == 0) return QWidget::wheelEvent(event);
  zoomBy(std::pow(kWheelStep, eighths / 120.0), event->position());
  event->accept();
}

void SlideView::keyPressEvent(QKeyEvent* event) {
  const double stepX = width() / 8.0, stepY = height() / 8.0;
  switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal: zoomBy(kWheelStep); break;
    case Qt::Key_Minus: zoomBy(1 / kWheelStep); break;
    case Qt::Key_F:
    case Qt::Key_0: fit(); break;
    case Qt::Key_Left: panBy({stepX, 0}); break;
    case Qt::Key_Right: panBy({-stepX, 0}); break;
    case Qt::Key_Up: panBy({0, stepY}); break;
    case Qt::Key_Down: panBy({0, -stepY}); break;
    default: QWidget::keyPressEvent(event);
  }
}

}  // namespace krait::wsi
