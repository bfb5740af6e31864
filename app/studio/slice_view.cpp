#include "slice_view.h"

#include <QImage>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include <cmath>

namespace krait::studio {

SliceView::SliceView(ViewerState& state, ViewPlane plane, QWidget* parent) : QWidget(parent), state_(state), plane_(plane) {
  setMinimumSize(160, 160);
  setMouseTracking(false);
  setFocusPolicy(Qt::StrongFocus);
  setAttribute(Qt::WA_OpaquePaintEvent);
}

QSizeF SliceView::pictureMillimetres() const {
  const SliceAxes axes = state_.axes(plane_);
  const auto& g = state_.image().geometry();
  return {static_cast<double>(g.size[axes.right]) * g.spacing[axes.right],
          static_cast<double>(g.size[axes.up]) * g.spacing[axes.up]};
}

QRectF SliceView::pictureRect() const {
  if (!state_.hasImage()) return {};
  const QSizeF mm = pictureMillimetres();
  const Rect r = viewport_.place(width(), height(), mm.width(), mm.height());
  return {r.left, r.top, r.width, r.height};
}

QPointF SliceView::widgetPoint(double x, double y) const {
  const QRectF r = pictureRect();
  const auto& g = state_.image().geometry();
  const SliceAxes axes = state_.axes(plane_);
  return {r.left() + (x + 0.5) * r.width() / static_cast<double>(g.size[axes.right]),
          r.top() + (y + 0.5) * r.height() / static_cast<double>(g.size[axes.up])};
}

bool SliceView::picturePixel(const QPointF& p, int& x, int& y) const {
  const QRectF r = pictureRect();
  if (r.isEmpty()) return false;
  const auto& g = state_.image().geometry();
  const SliceAxes axes = state_.axes(plane_);
  x = static_cast<int>(std::floor((p.x() - r.left()) / r.width() * static_cast<double>(g.size[axes.right])));
  y = static_cast<int>(std::floor((p.y() - r.top()) / r.height() * static_cast<double>(g.size[axes.up])));
  return r.contains(p);
}

void SliceView::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), Qt::black);
  if (!state_.hasImage()) {
    painter.setPen(QColor(200, 200, 200));
    painter.drawText(rect().adjusted(16, 16, -16, -16), Qt::AlignCenter | Qt::TextWordWrap, emptyText_);
    return;
  }
  const SliceImage picture = state_.picture(plane_);
  const QImage image(reinterpret_cast<const uchar*>(picture.pixels.data()), picture.width, picture.height,
                     picture.width * 4, QImage::Format_ARGB32);
  const QRectF r = pictureRect();
  painter.drawImage(r, image);
  const SlicePixel cross = state_.crosshairPixel(plane_);
  const QPointF c = widgetPoint(cross.x, cross.y);
  painter.setPen(QPen(QColor(255, 64, 64), 1));
  painter.drawLine(QPointF(r.left(), c.y()), QPointF(r.right(), c.y()));
  painter.drawLine(QPointF(c.x(), r.top()), QPointF(c.x(), r.bottom()));
  const EdgeLetters letters = edgeLetters(state_.image().geometry(), state_.axes(plane_));
  painter.setPen(QColor(255, 220, 80));
  const QRect box = rect().adjusted(4, 2, -4, -2);
  painter.drawText(box, Qt::AlignLeft | Qt::AlignVCenter, QString::fromStdString(letters.left));
  painter.drawText(box, Qt::AlignRight | Qt::AlignVCenter, QString::fromStdString(letters.right));
  painter.drawText(box, Qt::AlignTop | Qt::AlignHCenter, QString::fromStdString(letters.top));
  painter.drawText(box, Qt::AlignBottom | Qt::AlignHCenter, QString::fromStdString(letters.bottom));
  painter.drawText(box, Qt::AlignTop | Qt::AlignLeft,
                   QString("%1 %2/%3").arg(viewPlaneName(plane_)).arg(state_.slice(plane_) + 1)
                       .arg(sliceCount(state_.image().geometry(), state_.axes(plane_))));
}

void SliceView::keyPressEvent(QKeyEvent* event) {
  if (!state_.hasImage()) return QWidget::keyPressEvent(event);
  const int64_t last = sliceCount(state_.image().geometry(), state_.axes(plane_)) - 1;
  switch (event->key()) {
    case Qt::Key_Up: state_.scroll(plane_, 1); break;
    case Qt::Key_Down: state_.scroll(plane_, -1); break;
    case Qt::Key_PageUp: state_.scroll(plane_, 10); break;
    case Qt::Key_PageDown: state_.scroll(plane_, -10); break;
    case Qt::Key_Home: state_.goToSlice(plane_, 0); break;
    case Qt::Key_End: state_.goToSlice(plane_, last); break;
    default: return QWidget::keyPressEvent(event);
  }
  Q_EMIT stateChanged();
}

void SliceView::pointAt(const QPointF& p) {
  int x = 0, y = 0;
  if (!picturePixel(p, x, y)) return;
  state_.pointAt(plane_, x, y);
  Q_EMIT stateChanged();
}

void SliceView::mousePressEvent(QMouseEvent* event) {
  if (!state_.hasImage()) return;
  dragStart_ = lastMouse_ = event->position();
  windowAtDragStart_ = state_.window();
  if (event->button() != Qt::LeftButton) return;
  int x = 0, y = 0;
  if (state_.tool().tool != Tool::Navigate && picturePixel(event->position(), x, y)) {
    state_.labels().beginStroke();
    if (state_.paint(plane_, x, y, x, y)) {
      lastPaint_ = {x, y};
      Q_EMIT stateChanged();
      return;
    }
    state_.labels().endStroke();
  }
  pointAt(event->position());
}

void SliceView::mouseMoveEvent(QMouseEvent* event) {
  if (!state_.hasImage()) return;
  const QPointF p = event->position();
  if (event->buttons() & Qt::LeftButton) {
    if (!stroking()) {
      pointAt(p);
    } else {
      int x = 0, y = 0;
      picturePixel(p, x, y);  // outside the picture too: the editor clips, so strokes may leave and re-enter
      state_.paint(plane_, lastPaint_.x(), lastPaint_.y(), x, y);
      lastPaint_ = {x, y};
      Q_EMIT stateChanged();
    }
  }
  if (event->buttons() & Qt::RightButton) {
    const QPointF d = p - dragStart_;
    state_.dragWindow(windowAtDragStart_, d.x(), d.y(), width());
    Q_EMIT stateChanged();
  }
  if (event->buttons() & Qt::MiddleButton) {
    viewport_.pan(p.x() - lastMouse_.x(), p.y() - lastMouse_.y());
    update();
  }
  lastMouse_ = p;
}

void SliceView::mouseReleaseEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton || !stroking()) return;
  state_.labels().endStroke();
  lastPaint_ = {-1, -1};
  Q_EMIT labelsEdited();
}

void SliceView::wheelEvent(QWheelEvent* event) {
  if (!state_.hasImage()) return;
  const int steps = event->angleDelta().y() / 120;
  if (steps == 0) return;
  if (event->modifiers() & Qt::ControlModifier) {
    const QSizeF mm = pictureMillimetres();
    viewport_.zoomAbout(std::pow(1.25, steps), event->position().x(), event->position().y(), width(), height(),
                        mm.width(), mm.height());
    update();
    return;
  }
  state_.scroll(plane_, steps);
  Q_EMIT stateChanged();
}

}  // namespace krait::studio
