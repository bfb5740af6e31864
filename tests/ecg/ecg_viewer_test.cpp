// The ECG viewer (plugins/ecg/src/viewer): the paper's geometry in millimetres, the widget drawing the catalogue's
// real 12-lead DICOM ECG at the calibrated scale (measured on the rendered grid), calipers on its beats, PNG and
// PDF at true physical size, and the panel opening files and classifying with a small model on Krait's own
// selective scan. Under Xvfb, or Qt's offscreen platform where no display is set. With KRAIT_SCREENSHOTS set,
// the panel in each layout and the printed sheets are saved there.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <zlib.h>

#include <QApplication>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>

#include "bundled_model.h"
#include "ecg_layout.h"
#include "ecg_panel.h"
#include "ecg_reader.h"
#include "ecg_view.h"
#include "heart_rate.h"
#include "krait_scan.h"
#include "testdata.h"

namespace krait::ecg {
namespace {

namespace fs = std::filesystem;

const QColor kMajorLine(232, 128, 128);  // ecg_view.cpp's major grid colour

class EcgViewer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (app_) return;
    if (!std::getenv("DISPLAY")) qputenv("QT_QPA_PLATFORM", "offscreen");
    settings_ = std::make_unique<test::TempDir>();
    qputenv("XDG_CONFIG_HOME", QByteArray::fromStdString(settings_->path().string()));
    static int argc = 1;
    static char name[] = "krait_ecg_viewer_tests";
    static char* argv[] = {name, nullptr};
    app_ = new QApplication(argc, argv);
    QApplication::setOrganizationName("Krait");
    QApplication::setApplicationName("Krait ECG viewer tests");
  }
  static const Record& realEcg() {
    static const Record record = readEcg(ecgPath());
    return record;
  }
  static std::string ecgPath() { return test::testData("ecg/waveform_ecg.dcm").string(); }

  inline static QApplication* app_ = nullptr;
  inline static std::unique_ptr<test::TempDir> settings_;

  // Qt's own static objects crash at exit when a QApplication outlives main(): the last test deletes it.
  struct Teardown : ::testing::Environment {
    void TearDown() override {
      delete app_;
      app_ = nullptr;
    }
  };
  inline static ::testing::Environment* const teardown_ = ::testing::AddGlobalTestEnvironment(new Teardown);
};

const LeadTrace& traceOf(const PaperLayout& paper, const std::string& lead, std::size_t row) {
  for (const LeadTrace& t : paper.traces)
    if (t.lead == lead && t.row == row) return t;
  throw std::runtime_error("no trace " + lead);
}

// Pixels per millimetre from where major grid lines cross a line of pixels (centres of runs of their colour):
// the span from the first to the last over the 5 mm boxes between them, counting boxes where a trace or a
// label hides a line.
double measuredPixelsPerMm(const std::vector<QColor>& line) {
  std::vector<double> centres;
  for (std::size_t i = 0; i < line.size();) {
    if (line[i] != kMajorLine) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < line.size() && line[end] == kMajorLine) ++end;
    centres.push_back((static_cast<double>(i) + static_cast<double>(end - 1)) / 2.0);
    i = end;
  }
  if (centres.size() < 3) return 0.0;
  std::vector<double> gaps;
  for (std::size_t i = 1; i < centres.size(); ++i) gaps.push_back(centres[i] - centres[i - 1]);
  const double box = *std::min_element(gaps.begin(), gaps.end());
  double boxes = 0.0;
  for (double g : gaps) boxes += std::round(g / box);
  return (centres.back() - centres.front()) / boxes / kMajorGridMm;
}

std::vector<QColor> pixelRow(const QImage& image, int y, int x0, int x1) {
  std::vector<QColor> out;
  for (int x = std::max(0, x0); x < std::min(image.width(), x1); ++x) out.push_back(image.pixelColor(x, y));
  return out;
}

std::vector<QColor> pixelColumn(const QImage& image, int x, int y0, int y1) {
  std::vector<QColor> out;
  for (int y = std::max(0, y0); y < std::min(image.height(), y1); ++y) out.push_back(image.pixelColor(x, y));
  return out;
}

// The grid measured on an image of a sheet whose paper's top-left corner is at `paper` (pixels): along a row
// above the first row's label and a column left of the calibration pulses, where nothing but grid is drawn.
std::pair<double, double> gridScale(const QImage& image, QPointF paper, double pixelsPerMm, const PaperLayout& layout) {
  const int y = static_cast<int>(std::lround(paper.y() + 0.5 * pixelsPerMm));
  const int x = static_cast<int>(std::lround(paper.x() + 0.5 * pixelsPerMm));
  const auto across = pixelRow(image, y, static_cast<int>(paper.x()), static_cast<int>(paper.x() + layout.widthMm * pixelsPerMm));
  const auto down = pixelColumn(image, x, static_cast<int>(paper.y()), static_cast<int>(paper.y() + layout.heightMm * pixelsPerMm));
  return {measuredPixelsPerMm(across), measuredPixelsPerMm(down)};
}

std::size_t darkPixels(const QImage& image, const QRect& area) {
  std::size_t n = 0;
  for (int y = area.top(); y <= area.bottom(); ++y)
    for (int x = area.left(); x <= area.right(); ++x)
      if (qGray(image.pixel(x, y)) < 60) ++n;
  return n;
}

// Every content stream of a PDF, inflated (QPdfWriter deflates them).
std::string pdfContent(const QByteArray& pdf) {
  std::string out;
  for (qsizetype at = pdf.indexOf("stream\n"); at >= 0; at = pdf.indexOf("stream\n", at + 1)) {
    const qsizetype begin = at + 7, end = pdf.indexOf("endstream", begin);
    if (end < 0) break;
    std::vector<unsigned char> buffer(64 << 20);
    uLongf size = buffer.size();
    if (uncompress(buffer.data(), &size, reinterpret_cast<const Bytef*>(pdf.constData() + begin), static_cast<uLong>(end - begin)) == Z_OK)
      out.append(reinterpret_cast<const char*>(buffer.data()), size);
    at = end;
  }
  return out;
}

void saveScreenshot(const QImage& image, const std::string& name) {
  if (const char* dir = std::getenv("KRAIT_SCREENSHOTS")) {
    fs::create_directories(dir);
    EXPECT_TRUE(image.save(QString::fromStdString((fs::path(dir) / name).string()))) << name;
  }
}

}  // namespace

TEST(EcgLayout, ThreeByFourShowsSuccessiveQuartersAndARhythmStripAcrossAllColumns) {
  const PaperLayout p = layoutPaper(PaperLayoutKind::ThreeByFourRhythm, {}, 10.0);
  ASSERT_EQ(p.rows.size(), 4u);
  ASSERT_EQ(p.traces.size(), 13u);
  const std::vector<std::vector<std::string>> columns = {{"I", "II", "III"}, {"aVR", "aVL", "aVF"}, {"V1", "V2", "V3"}, {"V4", "V5", "V6"}};
  const double x0 = traceOf(p, "I", 0).xMm;
  for (std::size_t c = 0; c < 4; ++c)
    for (std::size_t r = 0; r < 3; ++r) {
      const LeadTrace& t = traceOf(p, columns[c][r], r);
      EXPECT_DOUBLE_EQ(t.startS, 2.5 * static_cast<double>(c)) << t.lead;
      EXPECT_DOUBLE_EQ(t.endS, 2.5 * static_cast<double>(c + 1)) << t.lead;
      EXPECT_DOUBLE_EQ(t.xMm, x0 + 62.5 * static_cast<double>(c)) << t.lead;  // 2.5 s at 25 mm/s
      EXPECT_DOUBLE_EQ(p.xAt(t, t.endS) - p.xAt(t, t.startS), 62.5);
      EXPECT_GT(t.label.x, t.xMm);
      EXPECT_LT(t.label.y, t.baselineMm);
    }
  // The rhythm strip: lead II, the whole 10 s, from the first column's start to the last one's end: 250 mm.
  const LeadTrace& rhythm = traceOf(p, "II", 3);
  EXPECT_DOUBLE_EQ(rhythm.startS, 0.0);
  EXPECT_DOUBLE_EQ(rhythm.endS, 10.0);
  EXPECT_DOUBLE_EQ(rhythm.xMm, x0);
  EXPECT_DOUBLE_EQ(p.xAt(rhythm, 10.0) - p.xAt(rhythm, 0.0), 250.0);
  EXPECT_DOUBLE_EQ(p.xAt(rhythm, 10.0), p.xAt(traceOf(p, "V4", 0), 10.0));
  EXPECT_GE(p.widthMm, x0 + 250.0);
  // Time 0 of every column on a major line; three separators per row but the rhythm strip's.
  EXPECT_DOUBLE_EQ(std::fmod(x0, kMajorGridMm), 0.0);
  EXPECT_EQ(p.separators.size(), 9u);
  // Each row's 1 mV x 200 ms pulse before its traces.
  ASSERT_EQ(p.pulses.size(), 4u);
  for (const CalibrationPulse& c : p.pulses) {
    EXPECT_DOUBLE_EQ(c.heightMm, 10.0);
    EXPECT_DOUBLE_EQ(c.widthMm, 5.0);
    EXPECT_DOUBLE_EQ(c.baselineMm, p.rows[c.row].baselineMm);
    EXPECT_LT(c.xMm + c.widthMm, x0);
  }
}

TEST(EcgLayout, SpeedAndGainScaleTimeAndVoltage) {
  const PaperSettings standard;
  EXPECT_DOUBLE_EQ(mmFromMicrovolts(standard, 1000.0), 10.0);  // 1 mV at 10 mm/mV
  EXPECT_DOUBLE_EQ(mmFromSeconds(standard, 10.0), 250.0);     // 10 s at 25 mm/s
  EXPECT_DOUBLE_EQ(secondsFromMm(standard, 5.0), 0.2);        // a large box: 200 ms, 0.5 mV
  EXPECT_DOUBLE_EQ(microvoltsFromMm(standard, 5.0), 500.0);
  PaperSettings fast;
  fast.speedMmPerS = 50.0;
  fast.gainMmPerMv = 20.0;
  const PaperLayout p = layoutPaper(PaperLayoutKind::TwelveByOne, fast, 10.0);
  ASSERT_EQ(p.traces.size(), 12u);
  const LeadTrace& v1 = traceOf(p, "V1", 6);
  EXPECT_DOUBLE_EQ(p.xAt(v1, 10.0) - p.xAt(v1, 0.0), 500.0);
  EXPECT_DOUBLE_EQ(p.yAt(v1, 0.0) - p.yAt(v1, 1000.0), 20.0);
  EXPECT_DOUBLE_EQ(p.pulses.front().widthMm, 10.0);
  EXPECT_DOUBLE_EQ(p.pulses.front().heightMm, 20.0);
  // 6x2: limb leads, then chest leads, each half of the time.
  const PaperLayout six = layoutPaper(PaperLayoutKind::SixByTwo, {}, 10.0);
  EXPECT_EQ(six.rows.size(), 6u);
  EXPECT_DOUBLE_EQ(traceOf(six, "aVF", 5).endS, 5.0);
  EXPECT_DOUBLE_EQ(traceOf(six, "V6", 5).startS, 5.0);
  // A shorter recording: the columns share what there is.
  const PaperLayout shortOne = layoutPaper(PaperLayoutKind::ThreeByFourRhythm, {}, 4.0);
  EXPECT_DOUBLE_EQ(traceOf(shortOne, "V4", 0).startS, 3.0);
  EXPECT_THROW(layoutPaper(PaperLayoutKind::SixByTwo, {}, 0.0), std::invalid_argument);
  PaperSettings stopped;
  stopped.speedMmPerS = 0.0;
  EXPECT_THROW(layoutPaper(PaperLayoutKind::SixByTwo, stopped, 10.0), std::invalid_argument);
}

TEST(EcgLayout, CaliperReadsIntervalAmplitudeAndRate) {
  const CaliperReading r = readCaliper({}, {10.0, 30.0}, {35.0, 20.0});
  EXPECT_DOUBLE_EQ(r.intervalMs, 1000.0);
  EXPECT_DOUBLE_EQ(r.amplitudeMv, 1.0);
  EXPECT_DOUBLE_EQ(r.ratePerMin, 60.0);
  EXPECT_DOUBLE_EQ(readCaliper({}, {35.0, 20.0}, {10.0, 30.0}).amplitudeMv, -1.0);
  EXPECT_DOUBLE_EQ(readCaliper({}, {10.0, 30.0}, {10.0, 20.0}).ratePerMin, 0.0);
}

TEST(EcgLayout, PagesSplitTheSheetWhereA4CannotHoldItAtTrueScale) {
  EXPECT_EQ(pageTiles(PaperLayoutKind::ThreeByFourRhythm, {}, 10.0, 297.0, 210.0).size(), 1u);
  PaperSettings fast;
  fast.speedMmPerS = 50.0;  // 500 mm of paper: 5 s a page
  const auto byTime = pageTiles(PaperLayoutKind::ThreeByFourRhythm, fast, 10.0, 297.0, 210.0);
  ASSERT_EQ(byTime.size(), 2u);
  EXPECT_DOUBLE_EQ(byTime[1].settings.startS, 5.0);
  EXPECT_DOUBLE_EQ(byTime[1].settings.durationS, 5.0);
  const auto byRows = pageTiles(PaperLayoutKind::TwelveByOne, {}, 10.0, 297.0, 210.0);
  ASSERT_EQ(byRows.size(), 2u);
  EXPECT_EQ(byRows[1].firstRow, 6u);
  EXPECT_EQ(byRows[1].rowCount, 6u);
  const PaperLayout second = keepRows(layoutPaper(PaperLayoutKind::TwelveByOne, {}, 10.0), 6, 6);
  EXPECT_EQ(second.traces.size(), 6u);
  EXPECT_EQ(second.traces.front().lead, "V1");
  EXPECT_DOUBLE_EQ(second.rows.front().topMm, 0.0);
  for (const PageTile& t : byTime) {
    const Sheet sheet = sheetOf(keepRows(layoutPaper(PaperLayoutKind::ThreeByFourRhythm, t.settings, 10.0), t.firstRow, t.rowCount));
    EXPECT_LE(sheet.widthMm, 297.0);
    EXPECT_LE(sheet.heightMm, 210.0);
  }
  PaperSettings small;
  small.gainMmPerMv = 5.0;
  EXPECT_EQ(pageTiles(PaperLayoutKind::TwelveByOne, small, 10.0, 297.0, 210.0).size(), 1u);
}

TEST_F(EcgViewer, HeaderShowsThePatientTheFiltersAndTheDevicesMeasurements) {
  std::vector<std::string> lines;
  for (const auto& column : headerColumns(realEcg())) {
    EXPECT_LE(column.size(), kHeaderLines);
    lines.insert(lines.end(), column.begin(), column.end());
  }
  for (const char* expected : {"Patient ID 642341", "Age 42", "Sex Female", "2013-01-25 10:59:19",
                               "Mortara Instrument, Inc. el250", "Filters 0.05–300 Hz, notch off", "Rate 61 /min (from RR)",
                               "RR 982 ms", "PR 161 ms", "QRS 75 ms", "QT/QTc 368/370 ms", "P/QRS/T axes 74/52/57°",
                               "RITMO SINUSALE", "ECG NORMALE"})
    EXPECT_NE(std::find(lines.begin(), lines.end(), expected), lines.end()) << expected;
  EXPECT_EQ(settingsText({}, realEcg()), "25 mm/s   10 mm/mV   0.05–300 Hz, notch off   0–10 s");
}

TEST_F(EcgViewer, LimbLeadsAbsentFromARecordAreDerivedFromIAndII) {
  Record eight = realEcg();  // as devices that store I, II and V1-V6 give it
  eight.leads.erase(eight.leads.begin() + 2, eight.leads.begin() + 6);
  eight.microvolts.erase(eight.microvolts.begin() + 2, eight.microvolts.begin() + 6);
  for (const char* lead : {"III", "aVR", "aVL", "aVF"}) {
    const LeadSamples derived = leadSamples(eight, lead), recorded = leadSamples(realEcg(), lead);
    EXPECT_TRUE(derived.derived);
    EXPECT_FALSE(recorded.derived);
    ASSERT_EQ(derived.microvolts.size(), recorded.microvolts.size());
    double worst = 0.0;
    for (std::size_t i = 0; i < derived.microvolts.size(); ++i)
      worst = std::max(worst, static_cast<double>(std::abs(derived.microvolts[i] - recorded.microvolts[i])));
    EXPECT_LT(worst, 10.0) << lead;  // the device's own leads agree with Einthoven and Goldberger to its rounding
  }
  EXPECT_TRUE(leadSamples(eight, "v1").microvolts == leadSamples(realEcg(), "V1").microvolts);  // any case
  eight.leads.pop_back();
  eight.microvolts.pop_back();
  EXPECT_TRUE(leadSamples(eight, "V6").microvolts.empty());
}

TEST_F(EcgViewer, CalipersOnTheRealEcgsBeatsReadItsRRInterval) {
  const Record& r = realEcg();
  const HeartRate hr = heartRate(r);
  ASSERT_GE(hr.beats.size(), 9u);
  const PaperLayout p = layoutPaper(PaperLayoutKind::ThreeByFourRhythm, {}, 10.0);
  const LeadTrace& rhythm = traceOf(p, "II", 3);
  const std::vector<float> II = leadSamples(r, "II").microvolts;
  auto onPaper = [&](std::size_t beat) {
    const std::size_t i = hr.beats[beat];
    return PaperPoint{p.xAt(rhythm, static_cast<double>(i) / r.samplingRateHz), p.yAt(rhythm, II[i])};
  };
  std::vector<double> rr;
  for (std::size_t b = 1; b < hr.beats.size(); ++b) rr.push_back(readCaliper(p.settings, onPaper(b - 1), onPaper(b)).intervalMs);
  std::sort(rr.begin(), rr.end());
  EXPECT_NEAR(rr[rr.size() / 2], 982.0, 6.0);  // the device measured RR 982 ms
  EXPECT_NEAR(readCaliper(p.settings, onPaper(0), onPaper(1)).ratePerMin, 61.0, 1.5);

  // The same with the mouse on the widget: drag from one R peak to the next.
  EcgView view;
  view.setPixelsPerMm(4.0);
  view.setRecord(std::make_shared<const Record>(r));
  view.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&view));
  const QPoint from = view.pixelAt(onPaper(2)).toPoint(), to = view.pixelAt(onPaper(3)).toPoint();
  QTest::mousePress(&view, Qt::LeftButton, {}, from);
  QTest::mouseMove(&view, (from + to) / 2);
  QTest::mouseRelease(&view, Qt::LeftButton, {}, to);
  ASSERT_TRUE(view.caliper().has_value());
  const CaliperReading dragged = readCaliper(p.settings, view.caliper()->from, view.caliper()->to);
  const double exact = readCaliper(p.settings, onPaper(2), onPaper(3)).intervalMs;
  EXPECT_NEAR(dragged.intervalMs, exact, 10.0);  // a pixel is a quarter millimetre: 10 ms
  EXPECT_NEAR(dragged.amplitudeMv, 0.0, 0.1);    // R peak to R peak in one lead
  QTest::keyClick(&view, Qt::Key_Escape);
  EXPECT_FALSE(view.caliper().has_value());
}

TEST_F(EcgViewer, DrawsTheRealEcgAtTheCalibratedScale) {
  EcgView::savePixelsPerMm(5.25);  // a stored calibration wins over the screen's EDID
  EcgView view;
  EXPECT_DOUBLE_EQ(view.pixelsPerMm(), 5.25);
  view.setRecord(std::make_shared<const Record>(realEcg()));
  for (const double scale : {3.78, 4.37, 6.0}) {
    view.setPixelsPerMm(scale);
    const QImage image = view.grab().toImage();
    const PaperLayout& p = *view.paper();
    EXPECT_EQ(image.width(), static_cast<int>(std::ceil(sheetOf(p).widthMm * scale)));
    const auto [across, down] = gridScale(image, view.pixelAt({0, 0}), scale, p);
    EXPECT_NEAR(across, scale, 0.02) << "horizontal grid at " << scale << " px/mm";
    EXPECT_NEAR(down, scale, 0.02) << "vertical grid at " << scale << " px/mm";
    // Every row band carries trace: I, aVR, V1, V4 / II, aVL, V2, V5 / ... / the rhythm strip.
    for (const PaperRow& row : p.rows) {
      const QPointF topLeft = view.pixelAt({traceOf(p, "II", 3).xMm, row.topMm});
      const QPointF bottomRight = view.pixelAt({p.widthMm - 5.0, row.topMm + row.heightMm});
      EXPECT_GT(darkPixels(image, QRectF(topLeft, bottomRight).toRect()), 500u) << row.topMm;
    }
  }
  view.setLayoutKind(PaperLayoutKind::TwelveByOne);
  EXPECT_EQ(view.paper()->rows.size(), 12u);
}

TEST_F(EcgViewer, PngExportHasTheResolutionAndSizeOfTheSheet) {
  const test::TempDir dir;
  const QString path = QString::fromStdString((dir / "ecg.png").string());
  exportPng(realEcg(), PaperLayoutKind::ThreeByFourRhythm, {}, 200.0, path);
  const QImage image(path);
  ASSERT_FALSE(image.isNull());
  EXPECT_NEAR(image.dotsPerMeterX() * 0.0254, 200.0, 0.02);
  EXPECT_NEAR(image.dotsPerMeterY() * 0.0254, 200.0, 0.02);
  const PaperLayout p = layoutPaper(PaperLayoutKind::ThreeByFourRhythm, {}, 10.0);
  const Sheet sheet = sheetOf(p);
  // Physical size = pixels / resolution: the sheet's millimetres.
  EXPECT_NEAR(image.width() / (image.dotsPerMeterX() / 1000.0), sheet.widthMm, 0.2);
  EXPECT_NEAR(image.height() / (image.dotsPerMeterY() / 1000.0), sheet.heightMm, 0.2);
  const double s = 200.0 / 25.4;
  const auto [across, down] = gridScale(image, QPointF(sheet.paper.x * s, sheet.paper.y * s), s, p);
  EXPECT_NEAR(across, s, 0.02);
  EXPECT_NEAR(down, s, 0.02);
  EXPECT_THROW(exportPng(realEcg(), PaperLayoutKind::ThreeByFourRhythm, {}, 2000.0, path), std::invalid_argument);
  EXPECT_THROW(exportPng(realEcg(), PaperLayoutKind::ThreeByFourRhythm, {}, 200.0, "/nonexistent/ecg.png"), FileError);
}

TEST_F(EcgViewer, PdfExportIsA4LandscapeAtTrueScale) {
  const test::TempDir dir;
  const QString path = QString::fromStdString((dir / "ecg.pdf").string());
  exportPdf(realEcg(), PaperLayoutKind::ThreeByFourRhythm, {}, path);
  QFile file(path);
  ASSERT_TRUE(file.open(QIODevice::ReadOnly));
  const QByteArray pdf = file.readAll();
  // A4 landscape in points: 297 x 210 mm.
  const QRegularExpression box(QStringLiteral("/MediaBox \\[0 0 ([0-9.]+) ([0-9.]+)\\]"));
  const QRegularExpressionMatch m = box.match(QString::fromLatin1(pdf));
  ASSERT_TRUE(m.hasMatch());
  EXPECT_NEAR(m.captured(1).toDouble(), 297.0 / 25.4 * 72.0, 0.5);
  EXPECT_NEAR(m.captured(2).toDouble(), 210.0 / 25.4 * 72.0, 0.5);
  EXPECT_EQ(pdf.count("/Type /Page\n") + pdf.count("/Type /Page\r") + pdf.count("/Type /Page "), 1);

  // True scale: the page's vertical grid lines (the content's "x y m x y2 l" segments with one x) are 1 mm apart
  // in page units, after the page matrix Qt writes ("a 0 0 -a 0 h cm": device units to points).
  const std::string content = pdfContent(pdf);
  const std::regex matrix(R"(([0-9.]+) 0 0 -([0-9.]+) 0 [0-9.]+ cm)");
  std::smatch cm;
  ASSERT_TRUE(std::regex_search(content, cm, matrix)) << content.substr(0, 400);
  const double pointsPerUnit = std::stod(cm[1]);
  std::map<long, int> xs;  // x of the vertical segments longer than 100 points (the grid's), in micrometres
  const std::regex segment(R"(([0-9.]+) ([0-9.]+) m\s+([0-9.]+) ([0-9.]+) l)");
  for (auto it = std::sregex_iterator(content.begin(), content.end(), segment); it != std::sregex_iterator(); ++it)
    if ((*it)[1] == (*it)[3] && std::abs(std::stod((*it)[2]) - std::stod((*it)[4])) * pointsPerUnit > 100.0)
      ++xs[std::lround(std::stod((*it)[1]) * pointsPerUnit / 72.0 * 25.4 * 1000.0)];
  ASSERT_GT(xs.size(), 200u);
  std::vector<long> positions;
  for (const auto& [x, n] : xs) positions.push_back(x);
  for (std::size_t i = 1; i < positions.size(); ++i) EXPECT_NEAR(positions[i] - positions[i - 1], 1000, 2) << i;

  PaperSettings fast;
  fast.speedMmPerS = 50.0;
  exportPdf(realEcg(), PaperLayoutKind::ThreeByFourRhythm, fast, path);
  file.close();
  ASSERT_TRUE(file.open(QIODevice::ReadOnly));
  EXPECT_EQ(file.readAll().count("/Type /Page\n"), 2);  // 5 s a page at 50 mm/s
  EXPECT_THROW(exportPdf(realEcg(), PaperLayoutKind::ThreeByFourRhythm, {}, "/nonexistent/ecg.pdf"), FileError);
}

TEST_F(EcgViewer, PanelOpensAFileAndSaysWhyItCannotOpenABrokenOne) {
  const test::TempDir dir;
  // Through the plugin's registration entry points, as krait-studio calls them.
  QWidget parent;
  void* made = EcgPanel::create(&parent);
  ASSERT_NE(made, nullptr);
  auto* panel = dynamic_cast<EcgPanel*>(static_cast<QWidget*>(made));
  ASSERT_NE(panel, nullptr);
  EXPECT_EQ(panel->parentWidget(), &parent);
  EcgPanel::open(made, ecgPath());
  EXPECT_EQ(panel->errorText(), QString());
  ASSERT_NE(panel->view()->paper(), std::nullopt);
  EXPECT_EQ(panel->view()->record()->leads.size(), 12u);
  EXPECT_TRUE(panel->findChild<QLabel*>("ecgHeartRate")->text().contains("61.0 /min")) << panel->findChild<QLabel*>("ecgHeartRate")->text().toStdString();

  // A DICOM file cut short, and one that is no ECG at all: the panel says so and keeps showing the good one.
  const fs::path cut = dir / "cut.dcm";
  const std::string bytes = test::fileBytes(ecgPath());
  std::ofstream(cut, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 3));
  const fs::path junk = dir / "junk.dcm";
  std::ofstream(junk) << "not an ECG";
  for (const fs::path& broken : {cut, junk}) {
    EXPECT_FALSE(panel->openFile(broken.string()));
    EXPECT_TRUE(panel->errorText().contains(QString::fromStdString(broken.string()))) << panel->errorText().toStdString();
    EXPECT_TRUE(panel->findChild<QLabel*>("ecgError")->isVisibleTo(panel));
    EXPECT_EQ(panel->view()->record()->source, realEcg().source);
  }
  EXPECT_TRUE(panel->openFile(ecgPath()));
  EXPECT_EQ(panel->errorText(), QString());

  // The selectors reach the paper.
  panel->findChild<QComboBox*>("ecgSpeed")->setCurrentIndex(2);
  panel->findChild<QComboBox*>("ecgGain")->setCurrentIndex(0);
  panel->findChild<QComboBox*>("ecgLayout")->setCurrentIndex(1);
  EXPECT_EQ(panel->view()->paperSettings().speedMmPerS, 50.0);
  EXPECT_EQ(panel->view()->paperSettings().gainMmPerMv, 5.0);
  EXPECT_EQ(panel->view()->layoutKind(), PaperLayoutKind::SixByTwo);
  EXPECT_TRUE(panel->exportPdf(QString::fromStdString((dir / "panel.pdf").string())));
  EXPECT_FALSE(panel->exportPng("/nonexistent/panel.png", 300));
  EXPECT_FALSE(panel->errorText().isEmpty());
}

TEST_F(EcgViewer, PanelClassifiesWithAModelFolderAndShowsTheResults) {
  EcgPanel panel(nullptr, kraitScan);
  panel.resize(1900, 1050);
  panel.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&panel));
  panel.findChild<QDoubleSpinBox*>("ecgPixelsPerMm")->setValue(3.78);  // a 96 dpi screen
  EXPECT_DOUBLE_EQ(panel.view()->pixelsPerMm(), 3.78);
  EXPECT_DOUBLE_EQ(EcgView::savedPixelsPerMm(nullptr), 3.78);  // kept for the next session
  EXPECT_FALSE(panel.classify());  // nothing open yet
  EXPECT_FALSE(panel.errorText().isEmpty());
  ASSERT_TRUE(panel.openFile(ecgPath()));

  auto* model = panel.findChild<QLineEdit*>("ecgModelFolder");
  model->setText(KRAIT_FIXTURES "/ecg/no_such_model");
  ASSERT_TRUE(panel.classify());
  ASSERT_TRUE(QTest::qWaitFor([&] { return !panel.classifying(); }, 60000));
  EXPECT_TRUE(panel.errorText().startsWith("Classification failed")) << panel.errorText().toStdString();
  EXPECT_TRUE(panel.results().empty());

  model->setText(KRAIT_FIXTURES "/ecg/small_model");
  ASSERT_TRUE(panel.classify());
  EXPECT_FALSE(panel.classify());  // one at a time
  ASSERT_TRUE(QTest::qWaitFor([&] { return !panel.classifying(); }, 120000));
  EXPECT_EQ(panel.errorText(), QString());
  const ModelSpec spec = readModelSpec(KRAIT_FIXTURES "/ecg/small_model");
  ASSERT_EQ(panel.results().size(), spec.classes.size());
  const std::vector<std::string> order = {"rhythm", "conduction", "axis", "ectopy", "morphology", "other"};
  std::size_t lastGroup = 0;
  for (const ClassResult& r : panel.results()) {
    const auto group = static_cast<std::size_t>(std::find(order.begin(), order.end(), r.group) - order.begin());
    ASSERT_LT(group, order.size()) << r.group;
    EXPECT_GE(group, lastGroup) << r.abbreviation;
    lastGroup = group;
    EXPECT_EQ(r.present, r.probability >= r.threshold) << r.abbreviation;
    EXPECT_TRUE(r.probability >= 0.0 && r.probability <= 1.0);
  }
  EXPECT_EQ(panel.results().front().group, "rhythm");
  EXPECT_TRUE(panel.findChild<QLabel*>("ecgModelInfo")->text().contains("test fixture with random weights"));
  EXPECT_TRUE(panel.findChild<QLabel*>("ecgNotes")->text().contains("resampled from 1000 Hz to 500 Hz"))
      << panel.findChild<QLabel*>("ecgNotes")->text().toStdString();

  // The panel in each layout, and the sheets as exported, for a person to look at.
  const char* names[] = {"3x4_rhythm", "6x2", "12x1"};
  for (int i = 0; i < 3; ++i) {
    panel.findChild<QComboBox*>("ecgLayout")->setCurrentIndex(i);
    QTest::qWait(50);
    if (i == 0) {  // a caliper across one RR interval of the rhythm strip
      const PaperLayout& p = *panel.view()->paper();
      const LeadTrace& rhythm = traceOf(p, "II", 3);
      const HeartRate hr = heartRate(realEcg());
      const std::vector<float> II = leadSamples(realEcg(), "II").microvolts;
      auto at = [&](std::size_t b) {
        return panel.view()->pixelAt({p.xAt(rhythm, static_cast<double>(hr.beats[b]) / 1000.0), p.yAt(rhythm, II[hr.beats[b]])}).toPoint();
      };
      QTest::mousePress(panel.view(), Qt::LeftButton, {}, at(3));
      QTest::mouseMove(panel.view(), at(4));
      QTest::mouseRelease(panel.view(), Qt::LeftButton, {}, at(4));
      ASSERT_TRUE(panel.view()->caliper().has_value());
    }
    saveScreenshot(panel.grab().toImage(), std::string("panel_") + names[i] + ".png");
    saveScreenshot(renderSheet(realEcg(), static_cast<PaperLayoutKind>(i), {}, 150.0), std::string("sheet_") + names[i] + ".png");
  }
}


// The panel with the bundled demonstration model (its default when no folder was chosen before): the real
// recording is read as the sinus rhythm its device reported.
TEST_F(EcgViewer, PanelFindsSinusRhythmWithTheBundledModel) {
  EcgPanel panel(nullptr, kraitScan);
  panel.resize(1900, 1050);
  panel.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&panel));
  ASSERT_TRUE(panel.openFile(ecgPath()));
  ASSERT_FALSE(bundledModel().empty());
  panel.findChild<QLineEdit*>("ecgModelFolder")->setText(QString::fromStdString(bundledModel().string()));
  ASSERT_TRUE(panel.classify());
  ASSERT_TRUE(QTest::qWaitFor([&] { return !panel.classifying(); }, 120000));
  EXPECT_EQ(panel.errorText(), QString());
  const auto sinus = std::find_if(panel.results().begin(), panel.results().end(), [](const ClassResult& r) { return r.abbreviation == "NSR"; });
  ASSERT_NE(sinus, panel.results().end());
  EXPECT_TRUE(sinus->present) << sinus->probability;
  EXPECT_TRUE(panel.findChild<QLabel*>("ecgModelInfo")->text().contains("not for clinical use"));
  QTest::qWait(200);  // the results' widgets are laid out on the next events
  saveScreenshot(panel.grab().toImage(), "panel_bundled_model.png");
}

}  // namespace krait::ecg
