#include "ecg_view.h"

#include <QGuiApplication>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPainterPath>
#include <QPdfWriter>
#include <QScreen>
#include <QSettings>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace krait::ecg {
namespace {

using LeadTable = std::map<std::string, LeadSamples>;

const char* const kPixelsPerMmKey = "ecg/pixelsPerMm";
// ECG paper's colours: pink lines on white (the grid must not compete with the black traces).
const QColor kMinorLine(248, 203, 203);
const QColor kMajorLine(232, 128, 128);
const QColor kTrace(0, 0, 0);
const QColor kCaliper(0, 84, 200);
constexpr double kTraceWidthMm = 0.3;
constexpr double kLabelMm = 3.2;  // text heights
constexpr double kHeaderTextMm = 2.8;
constexpr double kHeaderLineMm = 3.6;
constexpr double kFooterTextMm = 2.6;
constexpr double kA4LongMm = 297.0, kA4ShortMm = 210.0;

double recordingSeconds(const Record& r) {
  return r.samplingRateHz > 0 ? static_cast<double>(r.samples()) / r.samplingRateHz : 0.0;
}

LeadTable leadTable(const Record& r) {
  LeadTable t;
  for (const std::string& lead : standardLeads()) t[lead] = leadSamples(r, lead);
  return t;
}

// A font `mm` tall on a device of `pxPerMm`, never below what a screen can render legibly.
QFont fontOf(double mm, double pxPerMm, bool bold = false) {
  QFont f(QStringLiteral("DejaVu Sans"));
  f.setStyleHint(QFont::SansSerif);
  f.setPixelSize(std::max(8, static_cast<int>(std::lround(mm * pxPerMm))));
  f.setBold(bold);
  return f;
}

// Whole device pixels, at least one, so that a line is crisp and every line of a kind looks the same.
QPen linePen(const QColor& colour, double mm, double pxPerMm) {
  QPen pen(colour, std::max(1.0, std::round(mm * pxPerMm)));
  pen.setCapStyle(Qt::FlatCap);
  return pen;
}

void paintGrid(QPainter& p, const PaperLayout& paper, double s) {
  p.save();
  p.setRenderHint(QPainter::Antialiasing, false);
  p.fillRect(QRectF(0, 0, paper.widthMm * s, paper.heightMm * s), Qt::white);
  for (const bool major : {false, true}) {
    std::vector<QLineF> lines;
    const int every = major ? static_cast<int>(kMajorGridMm / kMinorGridMm) : 1;
    for (int k = 0; k * kMinorGridMm <= paper.widthMm + 1e-9; ++k)
      if (!major || k % every == 0) lines.emplace_back(k * kMinorGridMm * s, 0, k * kMinorGridMm * s, paper.heightMm * s);
    for (int k = 0; k * kMinorGridMm <= paper.heightMm + 1e-9; ++k)
      if (!major || k % every == 0) lines.emplace_back(0, k * kMinorGridMm * s, paper.widthMm * s, k * kMinorGridMm * s);
    p.setPen(major ? linePen(kMajorLine, 0.2, s) : linePen(kMinorLine, 0.1, s));
    p.drawLines(lines.data(), static_cast<int>(lines.size()));
  }
  p.restore();
}

void paintTrace(QPainter& p, const PaperLayout& paper, const LeadTrace& trace, const LeadSamples& lead, double rateHz,
                double s) {
  if (lead.microvolts.empty()) return;
  const auto first = static_cast<std::size_t>(std::ceil(trace.startS * rateHz));
  const auto end = std::min(lead.microvolts.size(), static_cast<std::size_t>(std::ceil(trace.endS * rateHz)));
  QPolygonF line;
  line.reserve(static_cast<qsizetype>(end > first ? end - first : 0));
  for (std::size_t i = first; i < end; ++i)
    line << QPointF(paper.xAt(trace, static_cast<double>(i) / rateHz) * s, paper.yAt(trace, lead.microvolts[i]) * s);
  p.drawPolyline(line);
}

void paintPulse(QPainter& p, const CalibrationPulse& c, double s) {
  QPainterPath path(QPointF((c.xMm - 2) * s, c.baselineMm * s));
  path.lineTo(c.xMm * s, c.baselineMm * s);
  path.lineTo(c.xMm * s, (c.baselineMm - c.heightMm) * s);
  path.lineTo((c.xMm + c.widthMm) * s, (c.baselineMm - c.heightMm) * s);
  path.lineTo((c.xMm + c.widthMm) * s, c.baselineMm * s);
  path.lineTo((c.xMm + c.widthMm + 2) * s, c.baselineMm * s);
  p.drawPath(path);
}

// The label on a white patch, so that it stays legible on the grid.
void paintLabel(QPainter& p, const LeadTrace& trace, const LeadSamples& lead, double s) {
  const QString text = QString::fromStdString(trace.lead) +
                       (lead.microvolts.empty() ? QStringLiteral(" (not recorded)")
                                                : lead.derived ? QStringLiteral(" (derived)") : QString());
  p.setFont(fontOf(kLabelMm, s, true));
  const QRectF box = p.fontMetrics().boundingRect(text).adjusted(-0.5 * s, 0, 0.5 * s, 0);
  const QPointF at(trace.label.x * s, trace.label.y * s);
  p.fillRect(box.translated(at - box.topLeft()), QColor(255, 255, 255, 220));
  p.drawText(QRectF(at, box.size()), Qt::AlignCenter, text);
}

void paintPaper(QPainter& p, const Record& record, const LeadTable& leads, const PaperLayout& paper, double s,
                const QString& footnote) {
  paintGrid(p, paper, s);
  p.save();
  p.setClipRect(QRectF(0, 0, paper.widthMm * s, paper.heightMm * s));
  p.setRenderHint(QPainter::Antialiasing, true);
  p.setPen(QPen(kTrace, std::max(1.0, kTraceWidthMm * s), Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
  for (const CalibrationPulse& c : paper.pulses) paintPulse(p, c, s);
  for (const LeadSeparator& sep : paper.separators)
    p.drawLine(QPointF(sep.xMm * s, sep.topMm * s), QPointF(sep.xMm * s, sep.bottomMm * s));
  // Labels under the traces: a label may cover grid, never signal.
  for (const LeadTrace& t : paper.traces) paintLabel(p, t, leads.at(t.lead), s);
  for (const LeadTrace& t : paper.traces) paintTrace(p, paper, t, leads.at(t.lead), record.samplingRateHz, s);
  p.setFont(fontOf(kFooterTextMm, s));
  QString footer = QString::fromStdString(settingsText(paper.settings, record));
  if (!footnote.isEmpty()) footer += QStringLiteral("   ") + footnote;
  p.drawText(QPointF(paper.settingsLabel.x * s, paper.settingsLabel.y * s), footer);
  p.restore();
}

// Columns side by side, each as wide as its longest line; lines that do not fit the width are elided.
void paintHeader(QPainter& p, const Record& record, double widthMm, double s) {
  p.save();
  p.setPen(Qt::black);
  p.setFont(fontOf(kHeaderTextMm, s));
  const QFontMetricsF metrics(p.font());
  double x = 0.0;
  for (const auto& column : headerColumns(record)) {
    const double room = widthMm * s - x;
    if (room <= metrics.averageCharWidth() * 4) break;
    double columnWidth = 0.0;
    for (std::size_t i = 0; i < column.size(); ++i) {
      const QString line = metrics.elidedText(QString::fromStdString(column[i]), Qt::ElideRight, room);
      columnWidth = std::max(columnWidth, metrics.horizontalAdvance(line));
      p.drawText(QPointF(x, (1.0 + static_cast<double>(i + 1) * kHeaderLineMm) * s - metrics.descent()), line);
    }
    x += columnWidth + 6.0 * s;
  }
  p.restore();
}

// The sheet with its top-left corner at the painter's origin, `s` device pixels per millimetre.
void paintSheet(QPainter& p, const Record& record, const LeadTable& leads, const PaperLayout& paper, double s,
                const QString& footnote = {}) {
  const Sheet sheet = sheetOf(paper);
  p.fillRect(QRectF(0, 0, sheet.widthMm * s, sheet.heightMm * s), Qt::white);
  p.save();
  p.translate(sheet.header.x * s, sheet.header.y * s);
  paintHeader(p, record, paper.widthMm, s);
  p.restore();
  p.save();
  p.translate(sheet.paper.x * s, sheet.paper.y * s);
  paintPaper(p, record, leads, paper, s, footnote);
  p.restore();
}

QString caliperText(const CaliperReading& r) {
  QString text = QStringLiteral("%1 ms").arg(r.intervalMs, 0, 'f', 0);
  if (r.ratePerMin > 0) text += QStringLiteral("   %1 /min").arg(r.ratePerMin, 0, 'f', 1);
  return text + QStringLiteral("   %1 mV").arg(r.amplitudeMv, 0, 'f', 2);
}

}  // namespace

EcgView::EcgView(QWidget* parent) : QWidget(parent), pixelsPerMm_(savedPixelsPerMm(QGuiApplication::primaryScreen())) {
  setFocusPolicy(Qt::ClickFocus);
  setAttribute(Qt::WA_OpaquePaintEvent);
  relayout();
}

void EcgView::setRecord(std::shared_ptr<const Record> record) {
  if (record && !(recordingSeconds(*record) > 0))
    throw std::invalid_argument(record->source + ": no samples or no sampling rate to draw");
  if (record) layoutPaper(kind_, settings_, recordingSeconds(*record));  // throws before anything changes
  record_ = std::move(record);
  leads_ = record_ ? leadTable(*record_) : LeadTable{};
  caliper_.reset();
  relayout();
}

void EcgView::setLayoutKind(PaperLayoutKind kind) {
  if (kind != kind_) caliper_.reset();  // its points lay on the other layout's leads
  kind_ = kind;
  relayout();
}

void EcgView::setPaperSettings(const PaperSettings& settings) {
  if (!(settings.speedMmPerS > 0) || !(settings.gainMmPerMv > 0))
    throw std::invalid_argument("paper speed and gain must be positive");
  if (record_) layoutPaper(kind_, settings, recordingSeconds(*record_));  // throws before anything changes
  if (settings.speedMmPerS != settings_.speedMmPerS || settings.gainMmPerMv != settings_.gainMmPerMv ||
      settings.startS != settings_.startS)
    caliper_.reset();  // its points were millimetres of the old paper
  settings_ = settings;
  relayout();
}

void EcgView::setPixelsPerMm(double pixelsPerMm) {
  if (!(pixelsPerMm > 0)) throw std::invalid_argument("pixels per millimetre must be positive");
  pixelsPerMm_ = pixelsPerMm;
  relayout();
}

double EcgView::savedPixelsPerMm(const QScreen* screen) {
  bool ok = false;
  const double saved = QSettings().value(kPixelsPerMmKey).toDouble(&ok);
  if (ok && saved > 0) return saved;
  const double dpi = screen ? screen->physicalDotsPerInch() : 0.0;
  return dpi > 0 ? dpi / 25.4 : 96.0 / 25.4;
}

void EcgView::savePixelsPerMm(double pixelsPerMm) { QSettings().setValue(kPixelsPerMmKey, pixelsPerMm); }

QPointF EcgView::pixelAt(PaperPoint point) const {
  const Sheet sheet = paper_ ? sheetOf(*paper_) : Sheet{};
  return {(sheet.paper.x + point.x) * pixelsPerMm_, (sheet.paper.y + point.y) * pixelsPerMm_};
}

PaperPoint EcgView::paperAt(QPointF pixel) const {
  const Sheet sheet = paper_ ? sheetOf(*paper_) : Sheet{};
  return {pixel.x() / pixelsPerMm_ - sheet.paper.x, pixel.y() / pixelsPerMm_ - sheet.paper.y};
}

void EcgView::relayout() {
  paper_.reset();
  if (record_) paper_ = layoutPaper(kind_, settings_, recordingSeconds(*record_));
  if (paper_) {
    const Sheet sheet = sheetOf(*paper_);
    setFixedSize(static_cast<int>(std::ceil(sheet.widthMm * pixelsPerMm_)),
                 static_cast<int>(std::ceil(sheet.heightMm * pixelsPerMm_)));
  } else {
    setFixedSize(480, 120);
  }
  update();
}

void EcgView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), Qt::white);
  if (!paper_) {
    p.setPen(Qt::darkGray);
    p.drawText(rect(), Qt::AlignCenter, QStringLiteral("No ECG open"));
    return;
  }
  paintSheet(p, *record_, leads_, *paper_, pixelsPerMm_);
  if (!caliper_) return;

  // Two full-height bars, as a pair of dividers laid across every lead, joined at the points' heights.
  const QPointF a = pixelAt(caliper_->from), b = pixelAt(caliper_->to);
  const double top = pixelAt({0, 0}).y(), bottom = pixelAt({0, paper_->heightMm}).y();
  p.setRenderHint(QPainter::Antialiasing, true);
  p.setPen(QPen(kCaliper, 1.5));
  p.drawLine(QPointF(a.x(), top), QPointF(a.x(), bottom));
  p.drawLine(QPointF(b.x(), top), QPointF(b.x(), bottom));
  p.setPen(QPen(kCaliper, 1.0, Qt::DashLine));
  p.drawLine(QPointF(a.x(), a.y()), QPointF(b.x(), a.y()));
  p.drawLine(QPointF(a.x(), b.y()), QPointF(b.x(), b.y()));
  p.setFont(fontOf(3.0, pixelsPerMm_, true));
  const QString text = caliperText(readCaliper(paper_->settings, caliper_->from, caliper_->to));
  QRectF box = p.fontMetrics().boundingRect(text).adjusted(-4, -2, 4, 2);
  box.moveBottomLeft(QPointF(std::max(a.x(), b.x()) + 6, std::min(a.y(), b.y()) - 4));
  if (box.right() > width()) box.moveRight(std::min(a.x(), b.x()) - 6);
  p.fillRect(box, QColor(255, 255, 255, 235));
  p.setPen(kCaliper);
  p.drawRect(box);
  p.drawText(box, Qt::AlignCenter, text);
}

void EcgView::mousePressEvent(QMouseEvent* event) {
  if (!paper_) return;
  if (event->button() == Qt::LeftButton) {
    const PaperPoint at = paperAt(event->position());
    caliper_ = Caliper{at, at};
    dragging_ = true;
  } else if (event->button() == Qt::RightButton) {
    caliper_.reset();
  }
  update();
}

void EcgView::mouseMoveEvent(QMouseEvent* event) {
  if (!dragging_ || !caliper_) return;
  caliper_->to = paperAt(event->position());
  update();
}

void EcgView::mouseReleaseEvent(QMouseEvent* event) {
  if (!dragging_ || event->button() != Qt::LeftButton) return;
  dragging_ = false;
  caliper_->to = paperAt(event->position());
  // A click without a drag measures nothing: it takes the caliper away.
  if (std::hypot(caliper_->to.x - caliper_->from.x, caliper_->to.y - caliper_->from.y) < 0.5) caliper_.reset();
  update();
}

void EcgView::keyPressEvent(QKeyEvent* event) {
  if (event->key() != Qt::Key_Escape) return QWidget::keyPressEvent(event);
  caliper_.reset();
  update();
}

QImage renderSheet(const Record& record, PaperLayoutKind kind, const PaperSettings& settings, double dpi) {
  if (!(dpi >= 50 && dpi <= 600)) throw std::invalid_argument("the image's resolution must be 50-600 dpi");
  const PaperLayout paper = layoutPaper(kind, settings, recordingSeconds(record));
  const Sheet sheet = sheetOf(paper);
  const double s = dpi / 25.4;
  QImage image(static_cast<int>(std::ceil(sheet.widthMm * s)), static_cast<int>(std::ceil(sheet.heightMm * s)),
               QImage::Format_RGB32);
  image.setDotsPerMeterX(static_cast<int>(std::lround(dpi / 0.0254)));
  image.setDotsPerMeterY(static_cast<int>(std::lround(dpi / 0.0254)));
  image.fill(Qt::white);
  QPainter p(&image);
  paintSheet(p, record, leadTable(record), paper, s);
  return image;
}

void exportPng(const Record& record, PaperLayoutKind kind, const PaperSettings& settings, double dpi,
               const QString& path) {
  if (!renderSheet(record, kind, settings, dpi).save(path, "PNG"))
    throw FileError(path.toStdString(), "cannot write the PNG");
}

void exportPdf(const Record& record, PaperLayoutKind kind, const PaperSettings& settings, const QString& path) {
  const double recordingS = recordingSeconds(record);
  const std::vector<PageTile> tiles = pageTiles(kind, settings, recordingS, kA4LongMm, kA4ShortMm);
  QPdfWriter writer(path);
  writer.setPageLayout(QPageLayout(QPageSize(QPageSize::A4), QPageLayout::Landscape, QMarginsF()));
  writer.setTitle(QString::fromStdString("ECG " + record.source));
  writer.setCreator(QStringLiteral("Krait"));
  QPainter p;
  if (!p.begin(&writer)) throw FileError(path.toStdString(), "cannot write the PDF");
  const double s = writer.resolution() / 25.4;
  const LeadTable leads = leadTable(record);
  for (std::size_t i = 0; i < tiles.size(); ++i) {
    if (i > 0) writer.newPage();
    const PaperLayout paper =
        keepRows(layoutPaper(kind, tiles[i].settings, recordingS), tiles[i].firstRow, tiles[i].rowCount);
    const Sheet sheet = sheetOf(paper);
    p.save();
    p.translate((kA4LongMm - sheet.widthMm) / 2 * s, (kA4ShortMm - sheet.heightMm) / 2 * s);
    paintSheet(p, record, leads, paper, s,
               tiles.size() > 1 ? QStringLiteral("page %1 of %2").arg(i + 1).arg(tiles.size()) : QString());
    p.restore();
  }
  if (!p.end()) throw FileError(path.toStdString(), "cannot write the PDF");
}

}  // namespace krait::ecg
