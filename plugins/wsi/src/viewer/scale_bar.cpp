#include "scale_bar.h"

#include <QFontMetricsF>
#include <QPainter>

#include <cmath>

namespace krait::wsi {
namespace {

// The largest 1, 2 or 5 x 10^k not above `limit`.
double roundDown(double limit) {
  const double power = std::pow(10.0, std::floor(std::log10(limit)));
  for (const double m : {5.0, 2.0, 1.0})
    if (m * power <= limit * (1 + 1e-9)) return m * power;
  return power;
}

QString number(double v) { return QString::number(v, 'g', 6); }

}  // namespace

ScaleBar scaleBarFor(double mppX, double scale, double maxPx) {
  ScaleBar bar;
  if (!(scale > 0) || !(maxPx > 0)) return bar;
  if (mppX > 0) {
    const double microns = roundDown(maxPx / scale * mppX);
    bar.lengthPx = microns / mppX * scale;
    bar.text = microns >= 1000 ? number(microns / 1000) + QStringLiteral(" mm") : number(microns) + QStringLiteral(" µm");
  } else {
    const double pixels = roundDown(maxPx / scale);
    bar.lengthPx = pixels * scale;
    bar.text = number(pixels) + QStringLiteral(" px");
    bar.note = QStringLiteral("pixel size unknown");
  }
  return bar;
}

void paintScaleBar(QPainter& p, const ScaleBar& bar, const QRectF& area) {
  if (bar.lengthPx <= 0) return;
  p.save();
  p.setRenderHint(QPainter::Antialiasing, false);
  const QFontMetricsF metrics(p.font());
  const QString caption = bar.note.isEmpty() ? bar.text : bar.text + QStringLiteral(" (") + bar.note + QStringLiteral(")");
  const double margin = 10, pad = 6, barHeight = 6;
  const double width = std::max(bar.lengthPx, metrics.horizontalAdvance(caption)) + 2 * pad;
  const double height = metrics.height() + barHeight + 3 * pad;
  const QRectF box(area.left() + margin, area.bottom() - margin - height, width, height);
  p.fillRect(box, QColor(255, 255, 255, 210));
  p.setPen(Qt::black);
  p.drawText(QRectF(box.left() + pad, box.top() + pad, width - 2 * pad, metrics.height()), Qt::AlignLeft | Qt::AlignVCenter,
             caption);
  p.fillRect(QRectF(box.left() + pad, box.bottom() - pad - barHeight, bar.lengthPx, barHeight), Qt::black);
  p.restore();
}

}  // namespace krait::wsi
