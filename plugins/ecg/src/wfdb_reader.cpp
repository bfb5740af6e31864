#include "wfdb_reader.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>

#include "format_support.h"

namespace krait::ecg {
namespace {

namespace fs = std::filesystem;

struct Signal {
  std::string file;  // as the header names it
  int line = 0;
  int format = 0;
  long samplesPerFrame = 1;
  long skew = 0;
  long byteOffset = 0;
  double gain = 200.0;  // adu per unit; WFDB's default, also for a written 0
  bool hasBaseline = false;
  long baseline = 0;
  std::string units = "mV";
  long adcZero = 0;
  std::string name;
};

struct Header {
  double samplingRateHz = 250.0;  // WFDB's default
  long samples = -1;              // -1: not given, the first signal file tells
  std::vector<Signal> signals;
  Record record;  // the header's info, Dx codes and comments
};

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Splits at whitespace into at most `max` fields, the last holding the rest of the line (a signal's
// description may contain spaces).
std::vector<std::string> fields(const std::string& line, std::size_t max) {
  std::vector<std::string> out;
  std::size_t pos = line.find_first_not_of(" \t\r");
  while (pos != std::string::npos) {
    if (out.size() + 1 == max) {
      out.push_back(trim(line.substr(pos)));
      break;
    }
    const std::size_t end = line.find_first_of(" \t\r", pos);
    out.push_back(line.substr(pos, end - pos));
    pos = end == std::string::npos ? end : line.find_first_not_of(" \t\r", end);
  }
  return out;
}

template <class T>
bool number(const std::string& s, T& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

int monthOf(const std::string& abbreviation) {
  static const char* const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
  for (int m = 0; m < 12; ++m)
    if (lower(abbreviation) == months[m]) return m;
  return -1;
}

bool validTime(int hour, int minute, int second) {
  return hour >= 0 && hour < 24 && minute >= 0 && minute < 60 && second >= 0 && second <= 60;
}

bool validDate(int day, int month, int year) { return day >= 1 && day <= 31 && month >= 1 && month <= 12 && year >= 1; }

// The record line's base time and date, in WFDB's order ("hh:mm:ss dd/mm/yyyy") or the challenges' ("dd-Mon-yyyy
// hh:mm:ss"). Anything else, or out of range, is ignored: nothing downstream needs the date. Field widths keep
// sscanf's numbers within int (a year of -2147483648 less 1900 overflowed).
void readDateTime(const std::vector<std::string>& tokens, Record& record) {
  std::tm t{};
  bool haveTime = false, haveDate = false;
  for (const std::string& token : tokens) {
    int a = 0, b = 0, c = 0;
    char month[4] = {};
    if (std::sscanf(token.c_str(), "%2d:%2d:%2d", &a, &b, &c) == 3 && validTime(a, b, c)) {
      t.tm_hour = a, t.tm_min = b, t.tm_sec = c, haveTime = true;
    } else if (std::sscanf(token.c_str(), "%2d/%2d/%4d", &a, &b, &c) == 3 && validDate(a, b, c)) {
      t.tm_mday = a, t.tm_mon = b - 1, t.tm_year = c - 1900, haveDate = true;
    } else if (std::sscanf(token.c_str(), "%2d-%3[A-Za-z]-%4d", &a, month, &c) == 3 &&
               validDate(a, monthOf(month) + 1, c)) {
      t.tm_mday = a, t.tm_mon = monthOf(month), t.tm_year = c - 1900, haveDate = true;
    }
  }
  if (haveTime && haveDate) record.info["acquired"] = acquiredText(t);
}

void readComment(const std::string& text, Record& record) {
  const auto colon = text.find(':');
  const std::string key = colon == std::string::npos ? "" : trim(text.substr(0, colon));
  if (key.empty() || !std::isalpha(static_cast<unsigned char>(key[0]))) {
    if (text.empty()) return;
    std::string& comments = record.info["comments"];
    comments += (comments.empty() ? "" : "\n") + text;
    return;
  }
  const std::string value = trim(text.substr(colon + 1));
  if (value.empty() || lower(value) == "unknown" || lower(value) == "nan") return;
  if (lower(key) == "dx") {
    std::size_t start = 0;
    while (start <= value.size()) {
      const std::size_t comma = std::min(value.find(',', start), value.size());
      if (const std::string code = trim(value.substr(start, comma - start)); !code.empty())
        record.diagnosisCodes.push_back(code);
      start = comma + 1;
    }
  } else if (lower(key) == "sex") {
    const std::string v = lower(value);
    record.info["sex"] = v == "m" || v == "male" ? "Male" : v == "f" || v == "female" ? "Female" : value;
  } else if (lower(key) == "age") {
    record.info["age"] = value;
  } else {
    record.info[key] = value;
  }
}

bool supportedFormat(int format) {
  return format == 16 || format == 61 || format == 80 || format == 24 || format == 32 || format == 212;
}

// A file the reader opens must be a regular file: a folder opens but throws std::ios_base::failure on the first
// read, and a device (/dev/zero) would be read forever. Names the OS refuses (too long) count as missing.
bool isRegularFile(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

bool existsAtAll(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

Header parseHeader(const std::string& headerPath) {
  if (existsAtAll(headerPath) && !isRegularFile(headerPath))
    throw FileError(headerPath, "the header is not a regular file");
  std::ifstream in(headerPath);
  if (!in) throw FileError(headerPath, "cannot open the header");
  Header h;
  const auto bad = [&](int line, const std::string& what) {
    return FileError(headerPath, "line " + std::to_string(line) + ": " + what);
  };
  long declaredSignals = -1;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    const std::string text = trim(line);
    if (text.empty()) continue;
    if (text[0] == '#') {
      readComment(trim(text.substr(1)), h.record);
      continue;
    }
    if (declaredSignals < 0) {  // the record line: name[/segments] signals [fs[/counter[(base)]] [samples [time date]]]
      const auto f = fields(text, 1000);
      if (f[0].find('/') != std::string::npos) throw bad(n, "multi-segment records are not supported");
      if (f.size() < 2 || !number(f[1], declaredSignals) || declaredSignals < 1)
        throw bad(n, "the record line needs the number of signals");
      if (f.size() > 2 && (!number(f[2].substr(0, f[2].find('/')), h.samplingRateHz) || !(h.samplingRateHz > 0)))
        throw bad(n, "bad sampling frequency '" + f[2] + "'");
      if (f.size() > 3 && (!number(f[3], h.samples) || h.samples < 0)) throw bad(n, "bad sample count '" + f[3] + "'");
      if (h.samples == 0) h.samples = -1;  // WFDB reads 0 as "not given"
      if (f.size() > 4) readDateTime({f.begin() + 4, f.end()}, h.record);
      continue;
    }
    if (static_cast<long>(h.signals.size()) == declaredSignals) throw bad(n, "more signal lines than the record line declares");
    // file format[xspf][:skew][+offset] [gain[(baseline)][/units] [resolution [zero [initial [checksum [block [description]]]]]]]
    const auto f = fields(text, 9);
    if (f.size() < 2) throw bad(n, "a signal line needs a file name and a format");
    Signal s;
    s.file = f[0];
    s.line = n;
    const std::string& spec = f[1];
    std::size_t pos = std::min(spec.find_first_of("x:+"), spec.size());
    if (!number(spec.substr(0, pos), s.format)) throw bad(n, "bad format '" + spec + "'");
    while (pos < spec.size()) {
      const char tag = spec[pos];
      const std::size_t end = std::min(spec.find_first_of("x:+", pos + 1), spec.size());
      long value = 0;
      if (!number(spec.substr(pos + 1, end - pos - 1), value)) throw bad(n, "bad format '" + spec + "'");
      (tag == 'x' ? s.samplesPerFrame : tag == ':' ? s.skew : s.byteOffset) = value;
      pos = end;
    }
    if (!supportedFormat(s.format))
      throw bad(n, "format " + std::to_string(s.format) + " is not supported (16, 61, 80, 24, 32 and 212 are)");
    if (s.byteOffset < 0) throw bad(n, "negative byte offset in '" + spec + "'");  // it would read before the file
    if (s.samplesPerFrame > 1) throw bad(n, "several samples per frame are not supported");
    if (s.skew != 0) throw bad(n, "skew is not supported");
    if (f.size() > 2) {
      std::string gain = f[2];
      if (const auto slash = gain.find('/'); slash != std::string::npos) {
        s.units = gain.substr(slash + 1);
        gain.resize(slash);
      }
      if (const auto open = gain.find('('); open != std::string::npos) {
        if (gain.back() != ')' || !number(gain.substr(open + 1, gain.size() - open - 2), s.baseline))
          throw bad(n, "bad baseline in '" + f[2] + "'");
        s.hasBaseline = true;
        gain.resize(open);
      }
      if (!number(gain, s.gain) || s.gain < 0) throw bad(n, "bad gain '" + f[2] + "'");
      if (s.gain == 0) s.gain = 200.0;
    }
    long ignored = 0;
    if (f.size() > 3 && !number(f[3], ignored)) throw bad(n, "bad ADC resolution '" + f[3] + "'");
    if (f.size() > 4 && !number(f[4], s.adcZero)) throw bad(n, "bad ADC zero '" + f[4] + "'");
    for (std::size_t i = 5; i < std::min<std::size_t>(f.size(), 8); ++i)  // initial value, checksum, block size
      if (!number(f[i], ignored)) throw bad(n, "bad field '" + f[i] + "'");
    if (!s.hasBaseline) s.baseline = s.adcZero;
    s.name = f.size() > 8 ? f[8] : "signal " + std::to_string(h.signals.size());
    h.signals.push_back(s);
  }
  if (declaredSignals < 0) throw FileError(headerPath, "no record line");
  if (static_cast<long>(h.signals.size()) != declaredSignals)
    throw FileError(headerPath, "the record line declares " + std::to_string(declaredSignals) + " signals, " +
                                    std::to_string(h.signals.size()) + " signal lines follow");
  return h;
}

int bitsPerSample(int format) { return format == 212 ? 12 : format == 80 ? 8 : format == 24 ? 24 : format == 32 ? 32 : 16; }

// Sample `i` of a file's sample stream (frames of interleaved signals), and WFDB's invalid-sample value.
std::int32_t sampleAt(const unsigned char* d, long i, int format) {
  switch (format) {
    case 16: return static_cast<std::int16_t>(d[2 * i] | d[2 * i + 1] << 8);
    case 61: return static_cast<std::int16_t>(d[2 * i] << 8 | d[2 * i + 1]);
    case 80: return d[i] - 128;
    case 24: return static_cast<std::int32_t>(static_cast<std::uint32_t>(d[3 * i] | d[3 * i + 1] << 8 | d[3 * i + 2] << 16) << 8) >> 8;
    case 32: return static_cast<std::int32_t>(d[4 * i] | d[4 * i + 1] << 8 | d[4 * i + 2] << 16 | static_cast<std::uint32_t>(d[4 * i + 3]) << 24);
    default: {  // 212: two 12-bit samples in three bytes, the second's high nibble in the middle byte's high half
      const unsigned char* p = d + 3 * (i / 2);
      const int v = i % 2 == 0 ? p[0] | (p[1] & 0x0f) << 8 : p[2] | (p[1] & 0xf0) << 4;
      return v >= 2048 ? v - 4096 : v;
    }
  }
}

std::int32_t invalidSample(int format) {
  switch (format) {
    case 80: return -128;
    case 212: return -2048;
    case 24: return -(1 << 23);
    case 32: return std::numeric_limits<std::int32_t>::min();
    default: return -32768;
  }
}

// A challenge .mat is a MATLAB v4 file: a 20-byte header (type, rows, columns, imaginary flag, name length) and
// the name, then the matrix column by column — for a signals×samples int16 matrix exactly a format-16 stream.
void checkMatlabV4(const std::string& path, const std::vector<unsigned char>& bytes, const std::vector<const Signal*>& group,
                   const std::string& headerPath) {
  const auto u32 = [&](std::size_t at) {
    return static_cast<std::uint32_t>(bytes[at] | bytes[at + 1] << 8 | bytes[at + 2] << 16 | bytes[at + 3] << 24);
  };
  const bool ok = bytes.size() >= 20 && u32(0) == 30 /* little-endian int16, full matrix */ && u32(4) == group.size() &&
                  u32(12) == 0 && group[0]->format == 16 && group[0]->byteOffset == static_cast<long>(20 + u32(16));
  if (!ok)
    throw FileError(path, "not a MATLAB v4 int16 matrix of " + std::to_string(group.size()) + " rows at byte " +
                              std::to_string(group[0]->byteOffset) + ", as " + headerPath + " describes it");
}

}  // namespace

Record readWfdb(const std::string& headerPath) {
  Header h = parseHeader(headerPath);
  Record record = std::move(h.record);
  record.source = headerPath;
  record.samplingRateHz = h.samplingRateHz;

  // Signals sharing a file are interleaved in it, frame by frame, in header order.
  const fs::path folder = fs::path(headerPath).parent_path();
  std::map<std::string, std::vector<const Signal*>> files;
  std::vector<std::string> fileOrder;
  for (const Signal& s : h.signals) {
    std::string path = (folder / s.file).string();
    // The 2021 reduced-lead headers name "A0001" for "A0001.mat" (python-classifier-2021 issue #4).
    if (!existsAtAll(path) && existsAtAll(path + ".mat")) path += ".mat";
    if (!files.count(path)) fileOrder.push_back(path);
    files[path].push_back(&s);
  }

  std::map<const Signal*, std::vector<std::int32_t>> digital;
  long samples = h.samples;
  for (const std::string& path : fileOrder) {
    const auto& group = files[path];
    const Signal& first = *group.front();
    for (const Signal* s : group)
      if (s->format != first.format)
        throw FileError(headerPath, "line " + std::to_string(s->line) + ": signals of one file must share a format");
    if (existsAtAll(path) && !isRegularFile(path))
      throw FileError(path, "not a regular file (a folder or a device), yet " + headerPath +
                                " names it as a signal file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw FileError(path, "missing: " + headerPath + " names it as a signal file");
    const std::vector<unsigned char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (lower(fs::path(path).extension().string()) == ".mat") checkMatlabV4(path, bytes, group, headerPath);

    const long perFrame = static_cast<long>(group.size());
    const long bits = bitsPerSample(first.format);
    const long available = first.byteOffset < static_cast<long>(bytes.size())
                               ? static_cast<long>(bytes.size()) - first.byteOffset : 0;
    if (samples < 0) samples = available * 8 / bits / perFrame;
    // A sample count no file can hold would overflow the byte count below.
    if (samples > (std::numeric_limits<long>::max() - 7) / (perFrame * bits))
      throw FileError(headerPath, "the record line's sample count " + std::to_string(samples) + " is beyond any file");
    const long needed = (samples * perFrame * bits + 7) / 8;
    // The byte offset and the count add up in unsigned arithmetic: each may near 2^63.
    const unsigned long end = static_cast<unsigned long>(first.byteOffset) + static_cast<unsigned long>(needed);
    if (available < needed)
      throw FileError(path, "truncated: " + std::to_string(bytes.size()) + " bytes where " + headerPath +
                                " needs " + std::to_string(end) + " (" + std::to_string(samples) +
                                " samples of " + std::to_string(perFrame) + " signals in format " +
                                std::to_string(first.format) + ")");
    const unsigned char* data = bytes.data() + first.byteOffset;
    for (long j = 0; j < perFrame; ++j) {
      auto& values = digital[group[j]];
      values.resize(samples);
      for (long i = 0; i < samples; ++i) values[i] = sampleAt(data, i * perFrame + j, first.format);
    }
  }

  long invalid = 0;
  std::string ignored;
  for (const Signal& s : h.signals) {
    const double perUnit = microvoltsPerUnit(s.units);
    if (perUnit == 0) {
      ignored += (ignored.empty() ? "" : ", ") + s.name + " (" + s.units + ")";
      continue;
    }
    const double step = perUnit / s.gain;  // the writers compute the step by the same expression
    const std::int32_t marker = invalidSample(s.format);
    std::vector<float> uv(samples);
    const auto& d = digital[&s];
    for (long i = 0; i < samples; ++i) {
      if (d[i] == marker) {
        ++invalid;
        continue;
      }
      uv[i] = static_cast<float>((static_cast<double>(d[i]) - s.baseline) * step);
    }
    record.leads.push_back(s.name);
    record.microvolts.push_back(std::move(uv));
  }
  if (record.leads.empty()) throw FileError(headerPath, "no signal is in volts (" + ignored + ")");
  if (!ignored.empty()) record.info["ignored signals"] = ignored;
  if (invalid > 0) record.info["invalid samples"] = std::to_string(invalid);
  return record;
}

}  // namespace krait::ecg
