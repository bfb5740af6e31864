// The ECG paper on screen and on paper files: a thin QWidget (QPainter) over ecg_layout.h's millimetres, drawn at
// true physical scale from a pixels-per-millimetre calibration (the screen's physical DPI unless the user stored
// one: EDID often gets it wrong), with mouse calipers; and PNG/PDF export of the same drawing, usable without a
// window (a QGuiApplication must exist, for the fonts).
#pragma once

#include <QImage>
#include <QString>
#include <QWidget>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "ecg_layout.h"
#include "record.h"

class QScreen;

namespace krait::ecg {

class EcgView : public QWidget {
 public:
  explicit EcgView(QWidget* parent = nullptr);

  // The recording to draw; null clears the paper. Throws std::invalid_argument (and keeps what it showed) for a
  // recording the paper cannot show (no samples or no rate).
  void setRecord(std::shared_ptr<const Record> record);
  const std::shared_ptr<const Record>& record() const { return record_; }
  void setLayoutKind(PaperLayoutKind kind);
  PaperLayoutKind layoutKind() const { return kind_; }
  // Throws std::invalid_argument for a speed or gain that is not positive.
  void setPaperSettings(const PaperSettings& settings);
  const PaperSettings& paperSettings() const { return settings_; }
  // The paper as drawn, absent without a recording.
  const std::optional<PaperLayout>& paper() const { return paper_; }

  // Screen pixels per millimetre of the drawing (true scale when it is the screen's).
  void setPixelsPerMm(double pixelsPerMm);
  double pixelsPerMm() const { return pixelsPerMm_; }
  // The calibration stored in QSettings ("ecg/pixelsPerMm"), else the screen's physical DPI.
  static double savedPixelsPerMm(const QScreen* screen);
  static void savePixelsPerMm(double pixelsPerMm);

  // The widget pixel where a point of the paper is drawn, and back.
  QPointF pixelAt(PaperPoint point) const;
  PaperPoint paperAt(QPointF pixel) const;

  // What the user measured by dragging on the paper (left button); a click, right click or Escape clears it.
  struct Caliper {
    PaperPoint from, to;
  };
  const std::optional<Caliper>& caliper() const { return caliper_; }

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;

 private:
  void relayout();

  std::shared_ptr<const Record> record_;
  std::map<std::string, LeadSamples> leads_;  // the standard leads of record_, derived where needed
  PaperLayoutKind kind_ = PaperLayoutKind::ThreeByFourRhythm;
  PaperSettings settings_;
  std::optional<PaperLayout> paper_;
  double pixelsPerMm_;
  std::optional<Caliper> caliper_;
  bool dragging_ = false;
};

// The sheet (header and paper) as an image of `dpi` dots per inch, with that resolution in the image (a PNG's
// pHYs). Throws std::invalid_argument for a dpi outside 50-600 or a recording the paper cannot show.
QImage renderSheet(const Record& record, PaperLayoutKind kind, const PaperSettings& settings, double dpi);
// renderSheet saved as PNG; FileError when it cannot be written.
void exportPng(const Record& record, PaperLayoutKind kind, const PaperSettings& settings, double dpi,
               const QString& path);
// A4 landscape at true scale (25 mm/s is 25 mm on the page), more pages where the paper does not fit on one
// (pageTiles); FileError when it cannot be written.
void exportPdf(const Record& record, PaperLayoutKind kind, const PaperSettings& settings, const QString& path);

}  // namespace krait::ecg
