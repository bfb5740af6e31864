// The ECG viewer's paper in millimetres, without Qt: where each lead's trace, each row's calibration pulse, the
// lead labels and the printed settings lie in the clinical layouts (spec plugins.md §3), the sheet around the paper
// and how it goes onto pages, and the conversions and caliper readings that follow from the paper speed and gain.
// EcgView (ecg_view.h) draws it at true scale; nothing here depends on pixels.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "record.h"

namespace krait::ecg {

enum class PaperLayoutKind {
  ThreeByFourRhythm,  // I-II-III | aVR-aVL-aVF | V1-V2-V3 | V4-V5-V6, each column the next quarter, + lead II
  SixByTwo,           // limb leads | chest leads, each column the next half
  TwelveByOne,        // every lead over the whole window
};

// "3x4 + rhythm strip", "6x2", "12x1"
std::string_view layoutName(PaperLayoutKind kind);

// The standard leads in the order of the layouts.
const std::vector<std::string>& standardLeads();

struct PaperSettings {
  double speedMmPerS = 25.0;  // 12.5, 25 or 50 (the AHA's standard: 25)
  double gainMmPerMv = 10.0;  // 5, 10 or 20 (standard: 10)
  // The part of the recording on the paper: [startS, startS + durationS), cut at the recording's end.
  double startS = 0.0;
  double durationS = 10.0;
};

inline constexpr double kMinorGridMm = 1.0;  // 40 ms and 0.1 mV at the standard settings
inline constexpr double kMajorGridMm = 5.0;  // 200 ms and 0.5 mV
inline constexpr double kCalibrationMv = 1.0;
inline constexpr double kCalibrationS = 0.2;

struct PaperPoint {
  double x = 0.0, y = 0.0;  // mm from the paper's top-left corner, y downwards
};

struct PaperRow {
  double topMm = 0.0, heightMm = 0.0, baselineMm = 0.0;
};

// One lead over one slice of time.
struct LeadTrace {
  std::string lead;  // a standard lead name
  std::size_t row = 0;
  double startS = 0.0, endS = 0.0;  // the recording's seconds this trace shows
  double xMm = 0.0;                 // where startS is drawn
  double baselineMm = 0.0;          // where 0 µV is drawn
  PaperPoint label;                 // top-left corner of the lead's label
};

// 1 mV for 200 ms: a rise at xMm, flat for widthMm, a fall; drawn on the row's baseline.
struct CalibrationPulse {
  std::size_t row = 0;
  double xMm = 0.0, widthMm = 0.0, heightMm = 0.0, baselineMm = 0.0;
};

// The short vertical mark where one column's lead gives way to the next.
struct LeadSeparator {
  std::size_t row = 0;
  double xMm = 0.0, topMm = 0.0, bottomMm = 0.0;
};

struct PaperLayout {
  PaperLayoutKind kind = PaperLayoutKind::ThreeByFourRhythm;
  PaperSettings settings;     // startS and durationS as shown (cut at the recording's end)
  double widthMm = 0.0, heightMm = 0.0;  // the gridded paper
  std::vector<PaperRow> rows;
  std::vector<LeadTrace> traces;
  std::vector<CalibrationPulse> pulses;
  std::vector<LeadSeparator> separators;
  PaperPoint settingsLabel;  // left end of the baseline of the printed speed, gain and filters

  double xAt(const LeadTrace& trace, double seconds) const;
  double yAt(const LeadTrace& trace, double microvolts) const;
};

// The paper for a recording of `recordingS` seconds. Throws std::invalid_argument for a speed or gain that is not
// positive, or a window with nothing of the recording in it.
PaperLayout layoutPaper(PaperLayoutKind kind, const PaperSettings& settings, double recordingS);

// The same paper with only rows [first, first + count), moved up so that the first of them is at the top (a page).
PaperLayout keepRows(const PaperLayout& paper, std::size_t first, std::size_t count);

double mmFromSeconds(const PaperSettings& settings, double seconds);
double secondsFromMm(const PaperSettings& settings, double mm);
double mmFromMicrovolts(const PaperSettings& settings, double microvolts);
double microvoltsFromMm(const PaperSettings& settings, double mm);

// Two caliper points on the paper: the interval between them, the voltage from the first to the second (up is
// positive) and the rate of a cycle of that interval (0 for no interval).
struct CaliperReading {
  double intervalMs = 0.0, amplitudeMv = 0.0, ratePerMin = 0.0;
};
CaliperReading readCaliper(const PaperSettings& settings, PaperPoint from, PaperPoint to);

// The sheet: the paper with the header block above it and a white margin around both.
inline constexpr double kSheetMarginMm = 5.0;
inline constexpr double kHeaderHeightMm = 22.0;
inline constexpr std::size_t kHeaderLines = 5;  // per header column
struct Sheet {
  double widthMm = 0.0, heightMm = 0.0;
  PaperPoint header;  // top-left corners on the sheet
  PaperPoint paper;
};
Sheet sheetOf(const PaperLayout& paper);

// How the sheet goes onto pages of pageWidthMm x pageHeightMm at true scale: successive time windows (the paper
// speed decides how many seconds fit across) times groups of whole rows (the gain decides how many fit down).
// Throws std::invalid_argument when not even half a second or one row fits.
struct PageTile {
  PaperSettings settings;  // the time window of the page
  std::size_t firstRow = 0, rowCount = 0;
};
std::vector<PageTile> pageTiles(PaperLayoutKind kind, const PaperSettings& settings, double recordingS,
                                double pageWidthMm, double pageHeightMm);

// A standard lead's samples: the record's own (names compared case-insensitively), else III, aVR, aVL or aVF
// derived from I and II (Einthoven's and Goldberger's relations), as devices storing 8 leads expect; empty when
// neither.
struct LeadSamples {
  std::vector<float> microvolts;
  bool derived = false;
};
LeadSamples leadSamples(const Record& record, std::string_view lead);

// The header block: columns of at most kHeaderLines lines, for the patient, the acquisition (time, device,
// filters) and the device's measurements and statements.
std::vector<std::vector<std::string>> headerColumns(const Record& record);

// What is printed along the paper's foot: speed, gain, the filters and the time window ("25 mm/s  10 mm/mV  ...").
std::string settingsText(const PaperSettings& settings, const Record& record);

}  // namespace krait::ecg
