#include "ecg_layout.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>

#include "leads.h"

namespace krait::ecg {
namespace {

// Left of the traces: a 2 mm lead-in, the pulse, a 2 mm lead-out, then at least 2 mm before the first trace,
// which starts on a major grid line so that its time 0 is one too.
constexpr double kPulseX = 4.0;
constexpr double kPulseLead = 2.0;
constexpr double kRightMarginMm = 5.0;
constexpr double kFooterMm = 5.0;        // the strip under the last row where the settings are printed
constexpr double kBaselineShare = 0.55;  // of a row above its baseline: R waves reach further up than S waves down
constexpr double kLabelInsetMm = 1.0;
constexpr double kSeparatorHalfMm = 3.0;

struct Arrangement {
  std::vector<std::vector<std::string>> columns;
  bool rhythmStrip = false;
  double rowMv = 0.0;  // row pitch in millivolts: the rows grow with the gain, so traces never crowd each other more
};

Arrangement arrangement(PaperLayoutKind kind) {
  const auto& l = standardLeads();
  switch (kind) {
    case PaperLayoutKind::ThreeByFourRhythm:
      return {{{l[0], l[1], l[2]}, {l[3], l[4], l[5]}, {l[6], l[7], l[8]}, {l[9], l[10], l[11]}}, true, 4.0};
    case PaperLayoutKind::SixByTwo:
      return {{{l.begin(), l.begin() + 6}, {l.begin() + 6, l.end()}}, false, 2.5};
    case PaperLayoutKind::TwelveByOne:
      return {{l}, false, 2.5};
  }
  throw std::invalid_argument("unknown ECG layout");
}

std::size_t rowCount(const Arrangement& a) { return a.columns.front().size() + (a.rhythmStrip ? 1 : 0); }

double traceStartMm(double speedMmPerS) {
  const double afterPulse = kPulseX + kCalibrationS * speedMmPerS + 2 * kPulseLead;
  return std::ceil(afterPulse / kMajorGridMm) * kMajorGridMm;
}

void checkSettings(const PaperSettings& s) {
  if (!(s.speedMmPerS > 0) || !(s.gainMmPerMv > 0))
    throw std::invalid_argument("paper speed and gain must be positive");
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A number as people write it: no trailing zeros ("0.05", "300", "12.5").
std::string number(double v, int decimals = 2) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  std::string s = buffer;
  if (s.find('.') != std::string::npos) {
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

std::optional<std::string> infoValue(const Record& r, const std::string& key) {
  const auto it = r.info.find(key);
  if (it == r.info.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

// "0.05–300 Hz, notch off" from what the file says about the device's filters; nothing when it says nothing.
std::optional<std::string> filterText(const Record& r) {
  const auto high = infoValue(r, "high-pass filter Hz"), low = infoValue(r, "low-pass filter Hz");
  const auto notch = infoValue(r, "notch filter Hz");
  std::string text;
  if (high && low) text = *high + "–" + *low + " Hz";
  else if (high) text = "high-pass " + *high + " Hz";
  else if (low) text = "low-pass " + *low + " Hz";
  if (notch) text += (text.empty() ? "" : ", ") + std::string("notch ") + (*notch == "off" ? "off" : *notch + " Hz");
  if (text.empty()) return std::nullopt;
  return text;
}

// Removes the measurement `key` (any case) from `rest` and returns its value.
std::optional<std::string> take(std::map<std::string, std::string>& rest, std::string_view key) {
  for (auto it = rest.begin(); it != rest.end(); ++it)
    if (lower(it->first) == lower(key)) {
      std::string value = it->second;
      rest.erase(it);
      return value;
    }
  return std::nullopt;
}

std::optional<std::string> withoutUnit(const std::optional<std::string>& value, std::string_view unit) {
  if (!value || value->size() < unit.size() || value->compare(value->size() - unit.size(), unit.size(), unit) != 0)
    return std::nullopt;
  return value->substr(0, value->size() - unit.size());
}

// The device's measurements as an ECG printout heads them: rate, intervals, axes, then anything else it
// measured under its own name, then its statements.
std::vector<std::string> measurementLines(const Record& r) {
  std::map<std::string, std::string> rest = r.measurements;
  std::vector<std::string> lines;
  const auto rr = take(rest, "RR interval");
  auto rate = take(rest, "heart rate");
  if (!rate) rate = take(rest, "ventricular rate");
  if (rate) lines.push_back("Rate " + *rate);
  else if (const auto ms = withoutUnit(rr, " ms"); ms && std::atof(ms->c_str()) > 0)
    lines.push_back("Rate " + number(60000.0 / std::atof(ms->c_str()), 0) + " /min (from RR)");
  if (rr) lines.push_back("RR " + *rr);
  for (const auto& [key, shortName] : {std::pair<const char*, const char*>{"PP interval", "PP"}, {"PR interval", "PR"},
                                       {"QRS duration", "QRS"}})
    if (const auto v = take(rest, key)) lines.push_back(std::string(shortName) + " " + *v);
  const auto qt = take(rest, "QT interval"), qtc = take(rest, "QTc interval");
  if (withoutUnit(qt, " ms") && withoutUnit(qtc, " ms"))
    lines.push_back("QT/QTc " + *withoutUnit(qt, " ms") + "/" + *withoutUnit(qtc, " ms") + " ms");
  else if (qt || qtc)
    lines.push_back(qt ? "QT " + *qt : "QTc " + *qtc);
  const auto p = take(rest, "P axis"), qrs = take(rest, "QRS axis"), t = take(rest, "T axis");
  if (p || qrs || t) {
    auto degrees = [](const std::optional<std::string>& v) {
      if (!v) return std::string("–");
      const auto bare = withoutUnit(v, " deg");
      return bare ? *bare : *v;
    };
    lines.push_back("P/QRS/T axes " + degrees(p) + "/" + degrees(qrs) + "/" + degrees(t) + "°");
  }
  // Statements in the device's order ("statement 2" before "statement 10").
  std::vector<std::pair<int, std::string>> statements;
  for (const auto& [key, value] : rest) {
    if (key.rfind("statement ", 0) == 0) statements.emplace_back(std::atoi(key.c_str() + 10), value);
    else lines.push_back(key + " " + value);
  }
  std::sort(statements.begin(), statements.end());
  for (const auto& s : statements) lines.push_back(s.second);
  return lines;
}

void addColumns(std::vector<std::vector<std::string>>& columns, const std::vector<std::string>& lines) {
  for (std::size_t i = 0; i < lines.size(); i += kHeaderLines)
    columns.emplace_back(lines.begin() + static_cast<std::ptrdiff_t>(i),
                         lines.begin() + static_cast<std::ptrdiff_t>(std::min(lines.size(), i + kHeaderLines)));
}

}  // namespace

std::string_view layoutName(PaperLayoutKind kind) {
  switch (kind) {
    case PaperLayoutKind::ThreeByFourRhythm: return "3x4 + rhythm strip";
    case PaperLayoutKind::SixByTwo: return "6x2";
    case PaperLayoutKind::TwelveByOne: return "12x1";
  }
  return "";
}

const std::vector<std::string>& standardLeads() {
  static const std::vector<std::string> leads = {"I", "II", "III", "aVR", "aVL", "aVF",
                                                 "V1", "V2", "V3", "V4", "V5", "V6"};
  return leads;
}

double PaperLayout::xAt(const LeadTrace& trace, double seconds) const {
  return trace.xMm + mmFromSeconds(settings, seconds - trace.startS);
}

double PaperLayout::yAt(const LeadTrace& trace, double microvolts) const {
  return trace.baselineMm - mmFromMicrovolts(settings, microvolts);
}

PaperLayout layoutPaper(PaperLayoutKind kind, const PaperSettings& settings, double recordingS) {
  checkSettings(settings);
  const double start = std::max(0.0, settings.startS);
  const double end = std::min(start + settings.durationS, recordingS);
  if (!(end > start)) throw std::invalid_argument("the paper's time window holds none of the recording");
  const Arrangement a = arrangement(kind);

  PaperLayout p;
  p.kind = kind;
  p.settings = settings;
  p.settings.startS = start;
  p.settings.durationS = end - start;
  const double x0 = traceStartMm(settings.speedMmPerS);
  const double pitch = a.rowMv * settings.gainMmPerMv;
  const std::size_t rows = rowCount(a);
  p.widthMm = x0 + mmFromSeconds(settings, end - start) + kRightMarginMm;
  p.heightMm = static_cast<double>(rows) * pitch + kFooterMm;
  for (std::size_t r = 0; r < rows; ++r) {
    const double top = static_cast<double>(r) * pitch;
    const PaperRow row{top, pitch, top + std::round(kBaselineShare * pitch)};
    p.rows.push_back(row);
    p.pulses.push_back({r, kPulseX, kCalibrationS * settings.speedMmPerS, kCalibrationMv * settings.gainMmPerMv,
                        row.baselineMm});
  }

  const double columnS = (end - start) / static_cast<double>(a.columns.size());
  auto addTrace = [&](const std::string& lead, std::size_t r, double from, double to, double x) {
    const PaperRow& row = p.rows[r];
    p.traces.push_back({lead, r, from, to, x, row.baselineMm, {x + kLabelInsetMm, row.topMm + kLabelInsetMm}});
  };
  for (std::size_t c = 0; c < a.columns.size(); ++c) {
    const double from = start + static_cast<double>(c) * columnS;
    const double x = x0 + mmFromSeconds(settings, from - start);
    for (std::size_t r = 0; r < a.columns[c].size(); ++r) {
      addTrace(a.columns[c][r], r, from, from + columnS, x);
      if (c > 0)
        p.separators.push_back({r, x, p.rows[r].baselineMm - kSeparatorHalfMm, p.rows[r].baselineMm + kSeparatorHalfMm});
    }
  }
  if (a.rhythmStrip) addTrace("II", rows - 1, start, end, x0);
  p.settingsLabel = {x0, p.heightMm - 1.5};
  return p;
}

PaperLayout keepRows(const PaperLayout& paper, std::size_t first, std::size_t count) {
  if (first >= paper.rows.size() || count == 0) throw std::invalid_argument("no such rows on the paper");
  count = std::min(count, paper.rows.size() - first);
  const double shift = paper.rows[first].topMm;
  auto kept = [&](std::size_t row) { return row >= first && row < first + count; };
  PaperLayout p = paper;
  p.rows.assign(paper.rows.begin() + static_cast<std::ptrdiff_t>(first),
                paper.rows.begin() + static_cast<std::ptrdiff_t>(first + count));
  for (PaperRow& r : p.rows) {
    r.topMm -= shift;
    r.baselineMm -= shift;
  }
  p.traces.clear();
  for (LeadTrace t : paper.traces)
    if (kept(t.row)) {
      t.row -= first;
      t.baselineMm -= shift;
      t.label.y -= shift;
      p.traces.push_back(t);
    }
  p.pulses.clear();
  for (CalibrationPulse c : paper.pulses)
    if (kept(c.row)) {
      c.row -= first;
      c.baselineMm -= shift;
      p.pulses.push_back(c);
    }
  p.separators.clear();
  for (LeadSeparator s : paper.separators)
    if (kept(s.row)) {
      s.row -= first;
      s.topMm -= shift;
      s.bottomMm -= shift;
      p.separators.push_back(s);
    }
  p.heightMm = p.rows.back().topMm + p.rows.back().heightMm + kFooterMm;
  p.settingsLabel.y = p.heightMm - 1.5;
  return p;
}

double mmFromSeconds(const PaperSettings& s, double seconds) { return seconds * s.speedMmPerS; }
double secondsFromMm(const PaperSettings& s, double mm) { return mm / s.speedMmPerS; }
double mmFromMicrovolts(const PaperSettings& s, double microvolts) { return microvolts / 1000.0 * s.gainMmPerMv; }
double microvoltsFromMm(const PaperSettings& s, double mm) { return mm / s.gainMmPerMv * 1000.0; }

CaliperReading readCaliper(const PaperSettings& settings, PaperPoint from, PaperPoint to) {
  CaliperReading r;
  r.intervalMs = secondsFromMm(settings, std::abs(to.x - from.x)) * 1000.0;
  r.amplitudeMv = microvoltsFromMm(settings, from.y - to.y) / 1000.0;
  r.ratePerMin = r.intervalMs > 0 ? 60000.0 / r.intervalMs : 0.0;
  return r;
}

Sheet sheetOf(const PaperLayout& paper) {
  Sheet s;
  s.widthMm = paper.widthMm + 2 * kSheetMarginMm;
  s.heightMm = kHeaderHeightMm + paper.heightMm + 2 * kSheetMarginMm;
  s.header = {kSheetMarginMm, kSheetMarginMm};
  s.paper = {kSheetMarginMm, kSheetMarginMm + kHeaderHeightMm};
  return s;
}

std::vector<PageTile> pageTiles(PaperLayoutKind kind, const PaperSettings& settings, double recordingS,
                                double pageWidthMm, double pageHeightMm) {
  checkSettings(settings);
  const double start = std::max(0.0, settings.startS);
  const double end = std::min(start + settings.durationS, recordingS);
  if (!(end > start)) throw std::invalid_argument("the paper's time window holds none of the recording");
  const Arrangement a = arrangement(kind);
  // Half seconds, so that a page's columns start at round times.
  const double across = pageWidthMm - 2 * kSheetMarginMm - traceStartMm(settings.speedMmPerS) - kRightMarginMm;
  const double secondsPerPage = std::floor(secondsFromMm(settings, across) * 2.0) / 2.0;
  const double down = pageHeightMm - 2 * kSheetMarginMm - kHeaderHeightMm - kFooterMm;
  const double rowsPerPage = std::floor(down / (a.rowMv * settings.gainMmPerMv));
  if (secondsPerPage < 0.5 || rowsPerPage < 1)
    throw std::invalid_argument("the page is too small for the ECG at this paper speed and gain");
  std::vector<PageTile> tiles;
  for (double from = start; from < end - 1e-9; from += secondsPerPage) {
    PaperSettings window = settings;
    window.startS = from;
    window.durationS = std::min(secondsPerPage, end - from);
    for (std::size_t row = 0; row < rowCount(a); row += static_cast<std::size_t>(rowsPerPage))
      tiles.push_back({window, row, std::min(static_cast<std::size_t>(rowsPerPage), rowCount(a) - row)});
  }
  return tiles;
}

LeadSamples leadSamples(const Record& record, std::string_view lead) {
  if (const int own = findLead(record, lead); own >= 0) return {record.microvolts[own], false};
  const int I = findLead(record, "I"), II = findLead(record, "II");
  const std::optional<LimbLead> limb = derivableLimbLead(lead);
  if (I < 0 || II < 0 || !limb) return {};
  const std::vector<double> derived = deriveLimbLead(*limb, record.microvolts[I], record.microvolts[II]);
  return {std::vector<float>(derived.begin(), derived.end()), true};
}

std::vector<std::vector<std::string>> headerColumns(const Record& record) {
  std::vector<std::vector<std::string>> columns;
  std::vector<std::string> patient;
  if (const auto v = infoValue(record, "patient id")) patient.push_back("Patient ID " + *v);
  if (const auto v = infoValue(record, "age")) patient.push_back("Age " + *v);
  if (const auto v = infoValue(record, "sex")) patient.push_back("Sex " + *v);
  addColumns(columns, patient);

  std::vector<std::string> acquisition;
  if (const auto v = infoValue(record, "acquired")) acquisition.push_back(*v);
  if (const auto v = infoValue(record, "device")) acquisition.push_back(*v);
  acquisition.push_back("Filters " + filterText(record).value_or("not recorded"));
  acquisition.push_back(std::to_string(record.leads.size()) + " leads, " + number(record.samplingRateHz) + " Hz, " +
                        number(record.samplingRateHz > 0 ? static_cast<double>(record.samples()) / record.samplingRateHz : 0.0, 1) + " s");
  addColumns(columns, acquisition);
  addColumns(columns, measurementLines(record));
  return columns;
}

std::string settingsText(const PaperSettings& settings, const Record& record) {
  std::string text = number(settings.speedMmPerS) + " mm/s   " + number(settings.gainMmPerMv) + " mm/mV";
  if (const auto filters = filterText(record)) text += "   " + *filters;
  return text + "   " + number(settings.startS, 1) + "–" + number(settings.startS + settings.durationS, 1) + " s";
}

}  // namespace krait::ecg
