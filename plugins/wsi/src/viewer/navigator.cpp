#include "navigator.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPointer>

#include "slide_view.h"

namespace krait::wsi {

Navigator::Navigator(SlideView* view, QWidget* parent) : QWidget(parent), view_(view) {
  setCursor(Qt::PointingHandCursor);
  view_->addViewListener([self = QPointer<Navigator>(this)] {
    if (self) self->update();
  });
}

QRectF Navigator::overviewArea() const {
  const auto& slide = view_->slide();
  if (!slide || view_->overview().isNull() || width() < 1 || height() < 1) return {};
  const double w = static_cast<double>(slide->width()), h = static_cast<double>(slide->height());
  const double s = std::min(width() / w, height() / h);
  return {(width() - w * s) / 2, (height() - h * s) / 2, w * s, h * s};
}

QPointF Navigator::level0At(QPointF pixel) const {
  const QRectF area = overviewArea();
  if (area.isEmpty()) return {};
  const double s = area.width() / static_cast<double>(view_->slide()->width());
  return (pixel - area.topLeft()) / s;
}

QRectF Navigator::viewportRect() const {
  const QRectF area = overviewArea();
  if (area.isEmpty()) return {};
  const double s = area.width() / static_cast<double>(view_->slide()->width());
  const QRectF seen = view_->viewTransform().visibleLevel0();
  return QRectF(area.topLeft() + seen.topLeft() * s, seen.size() * s);
}

void Navigator::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), QColor(58, 58, 62));
  const QRectF area = overviewArea();
  if (area.isEmpty()) {
    p.setPen(QColor(200, 200, 200));
    p.drawText(rect(), Qt::AlignCenter, view_->slide() ? tr("no overview level") : tr("no slide"));
    return;
  }
  const QSize size = area.size().toSize();
  if (scaled_.size() != size || scaledFrom_ != view_->overview().cacheKey()) {
    scaled_ = view_->overview().scaled(size, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    scaledFrom_ = view_->overview().cacheKey();
  }
  p.drawImage(area.topLeft(), scaled_);
  p.setRenderHint(QPainter::Antialiasing, true);
  p.setPen(QPen(QColor(230, 30, 30), 2));
  p.setBrush(Qt::NoBrush);
  // Cut to the overview, so that the frame stays whole when the view shows more than the slide.
  p.drawRect(viewportRect() & area.adjusted(1, 1, -1, -1));
}

void Navigator::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton || overviewArea().isEmpty()) return QWidget::mousePressEvent(event);
  view_->centreOn(level0At(event->position()));
}

void Navigator::mouseMoveEvent(QMouseEvent* event) {
  if (!(event->buttons() & Qt::LeftButton) || overviewArea().isEmpty()) return QWidget::mouseMoveEvent(event);
  view_->centreOn(level0At(event->position()));
}

}  // namespace krait::wsi
