#include "wfdb_writer.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "format_support.h"

namespace krait::ecg {
namespace {

namespace fs = std::filesystem;

// One lead's digital coding: digital = round(µV / step) + baseline, the step being 1000 / gain as readWfdb
// computes it from the printed gain.
struct Coding {
  std::string gain;  // as printed in the header
  double step = 0;
  long baseline = 0;
};

std::string shortest(double value) {
  char text[64];
  return {text, std::to_chars(text, text + sizeof text, value).ptr};
}

Coding codingFor(const std::vector<float>& uv, long limit, int format, const std::string& lead,
                 const std::string& headerPath) {
  const auto [lo, hi] = std::minmax_element(uv.begin(), uv.end());
  const double span = static_cast<double>(*hi) - *lo;
  double gain = gridGain(uv);
  if (gain > 0) {
    const double steps = std::round(*hi * gain / 1000) - std::round(*lo * gain / 1000);
    if (steps > 2 * 32767.0) gain = 0;  // finer than any 16-bit format keeps: coded as off-grid samples
    if (gain > 0 && steps > 2.0 * limit) {  // format 16 would keep it: never coarsen it silently
      char what[256];
      std::snprintf(what, sizeof what,
                    "lead %s spans %.6g µV in steps of %.6g µV (%.0f steps); format %d holds %ld: write format 16, "
                    "which keeps them exactly",
                    lead.c_str(), span, 1000 / gain, steps, format, 2 * limit);
      throw FileError(headerPath, what);
    }
  }
  if (gain == 0) {  // off any grid: the finest step that fits, its gain rounded down to six digits
    char rounded[32];
    std::snprintf(rounded, sizeof rounded, "%.6g", 2.0 * limit * 1000 / span * (1 - 1e-5));
    gain = std::strtod(rounded, nullptr);
  }
  Coding c;
  c.gain = shortest(gain);  // in full: readWfdb must compute the very same step
  c.step = 1000.0 / gain;
  const long kmin = std::lround(*lo / c.step), kmax = std::lround(*hi / c.step);
  if (kmin < -limit || kmax > limit) c.baseline = -(kmin + kmax) / 2;
  return c;
}

}  // namespace

void writeWfdb(const Record& record, const std::string& headerPath, int format) {
  if (format != 16 && format != 212)
    throw FileError(headerPath, "WFDB format " + std::to_string(format) + " is not written (16 and 212 are)");
  const fs::path header(headerPath);
  const std::string name = header.stem().string();
  if (header.extension() != ".hea") throw FileError(headerPath, "a WFDB header's name ends in .hea");
  if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }))
    throw FileError(headerPath, "a WFDB record name has only letters, digits, '_' and '-'");
  checkWritable(record, headerPath);

  // The largest digital value; its negative is the smallest, one above WFDB's invalid-sample value.
  const long limit = format == 16 ? 32767 : 2047;
  const std::size_t leads = record.leads.size(), samples = record.samples();
  std::vector<Coding> coding;
  std::vector<std::int32_t> frames(leads * samples);  // interleaved, lead fastest
  for (std::size_t k = 0; k < leads; ++k) {
    coding.push_back(codingFor(record.microvolts[k], limit, format, record.leads[k], headerPath));
    for (std::size_t i = 0; i < samples; ++i)
      frames[i * leads + k] = static_cast<std::int32_t>(std::lround(record.microvolts[k][i] / coding[k].step) + coding[k].baseline);
  }

  std::string dat;
  if (format == 16) {
    for (const std::int32_t d : frames) dat += {static_cast<char>(d & 0xff), static_cast<char>((d >> 8) & 0xff)};
  } else {
    for (std::size_t i = 0; i < frames.size(); i += 2) {  // two 12-bit samples in three bytes
      const std::int32_t a = frames[i] & 0xfff, b = i + 1 < frames.size() ? frames[i + 1] & 0xfff : 0;
      dat += {static_cast<char>(a & 0xff), static_cast<char>((a >> 8) | ((b >> 8) << 4))};
      if (i + 1 < frames.size()) dat += static_cast<char>(b & 0xff);
    }
  }

  std::string hea = name + " " + std::to_string(leads) + " " + shortest(record.samplingRateHz) + " " + std::to_string(samples);
  std::tm t{};
  if (const auto it = record.info.find("acquired"); it != record.info.end() && parseAcquired(it->second, t)) {
    char when[80];
    std::snprintf(when, sizeof when, " %02d:%02d:%02d %02d/%02d/%04d", t.tm_hour, t.tm_min, t.tm_sec, t.tm_mday,
                  t.tm_mon + 1, t.tm_year + 1900);
    hea += when;
  }
  hea += "\n";
  for (std::size_t k = 0; k < leads; ++k) {
    std::int64_t checksum = 0;  // WFDB's: the 16-bit sum of the lead's samples
    for (std::size_t i = 0; i < samples; ++i) checksum += frames[i * leads + k];
    hea += name + ".dat " + std::to_string(format) + " " + coding[k].gain + "(" + std::to_string(coding[k].baseline) +
           ")/mV " + (format == 16 ? "16" : "12") + " 0 " + std::to_string(frames[k]) + " " +
           std::to_string(static_cast<std::int16_t>(checksum & 0xffff)) + " 0 " + record.leads[k] + "\n";
  }
  if (!record.diagnosisCodes.empty()) {
    hea += "#Dx: ";
    for (std::size_t i = 0; i < record.diagnosisCodes.size(); ++i) hea += (i ? "," : "") + record.diagnosisCodes[i];
    hea += "\n";
  }
  for (const auto& [key, value] : record.info) {
    if (key == "acquired") continue;
    if (key == "comments") {
      for (std::size_t start = 0; start <= value.size();) {
        const std::size_t end = std::min(value.find('\n', start), value.size());
        hea += "# " + value.substr(start, end - start) + "\n";
        start = end + 1;
      }
    } else {
      hea += "#" + (key == "age" ? std::string("Age") : key == "sex" ? std::string("Sex") : key) + ": " + value + "\n";
    }
  }

  writeAtomically(headerPath, [&](const fs::path& staging) {
    const fs::path datPath = staging.parent_path() / (name + ".dat");
    for (const auto& [path, bytes] : {std::pair{datPath, &dat}, std::pair{staging, &hea}}) {
      std::ofstream out(path, std::ios::binary);
      out.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
      out.close();
      if (!out) throw FileError(headerPath, "cannot write " + path.filename().string());
    }
  });
}

}  // namespace krait::ecg
