#include "format_support.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>

#include <unistd.h>

namespace krait::ecg {

double microvoltsPerUnit(const std::string& unit) {
  if (unit == "V") return 1e6;
  if (unit == "mV") return 1e3;
  // ASCII u, the micro sign in UTF-8 and in Latin-1 (as some EDF writers put it), Greek mu
  if (unit == "uV" || unit == "\u00b5V" || unit == "\xb5" "V" || unit == "\u03bcV") return 1.0;
  if (unit == "nV") return 1e-3;
  return 0.0;
}

double gridGain(const std::vector<float>& microvolts) {
  // Zero joins the values so that the grid passes through it: WFDB and EDF digital values are whole numbers.
  std::vector<double> v(microvolts.begin(), microvolts.end());
  v.push_back(0.0);
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  if (v.size() == 1) return 1000.0;
  double gap = v[1] - v[0], smallest = std::max(std::abs(v.front()), std::abs(v.back()));
  for (std::size_t i = 1; i < v.size(); ++i) {
    gap = std::min(gap, v[i] - v[i - 1]);
    if (v[i] != 0) smallest = std::min(smallest, std::abs(v[i]));
  }
  // The step divides the smallest |value|, which float32 holds the most precisely. Its multiple is small when
  // the lead crosses zero; else the smallest gap (a few steps, less precise) says which it is.
  std::vector<double> multiples;
  const double fromGap = std::round(smallest / gap);
  for (int m = 1; m <= 16; ++m) multiples.insert(multiples.end(), {double(m), fromGap * m});
  std::sort(multiples.begin(), multiples.end());
  multiples.erase(std::unique(multiples.begin(), multiples.end()), multiples.end());
  // float32 keeps 24 bits: a whole multiple k of the step is off by at most |k| * 2^-24 steps. Beyond 2^20
  // steps that tolerance nears half a step, and any float32 values lie on the grid of their last bit.
  const auto onGrid = [&v](double step) {
    return std::all_of(v.begin(), v.end(), [step](double x) {
      const double k = x / step;
      return std::abs(k) <= 1 << 20 && std::abs(k - std::round(k)) <= 1e-4 + std::abs(k) * 1e-7;
    });
  };
  for (const double multiple : multiples) {
    const double gain = 1000.0 * multiple / smallest;
    char rounded[32];  // float32 blurs a gain such as 800 or 10000 into 799.99997: try it in six digits first
    std::snprintf(rounded, sizeof rounded, "%.6g", gain);
    for (const double g : {std::strtod(rounded, nullptr), gain})
      if (onGrid(1000.0 / g)) return g;
  }
  return 0.0;
}

std::string acquiredText(const std::tm& t) {
  char text[80];  // room for any int fields, so the compiler sees no truncation
  std::snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d:%02d", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                t.tm_hour, t.tm_min, t.tm_sec);
  return text;
}

bool parseAcquired(const std::string& text, std::tm& t) {
  t = {};
  int n = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d %2d:%2d:%2d%n", &t.tm_year, &t.tm_mon, &t.tm_mday, &t.tm_hour,
                  &t.tm_min, &t.tm_sec, &n) != 6 ||
      n != static_cast<int>(text.size()))
    return false;
  t.tm_year -= 1900;
  t.tm_mon -= 1;
  return true;
}

int yearsBetween(const std::tm& birth, const std::tm& on) {
  const bool beforeBirthday =
      on.tm_mon < birth.tm_mon || (on.tm_mon == birth.tm_mon && on.tm_mday < birth.tm_mday);
  return on.tm_year - birth.tm_year - (beforeBirthday ? 1 : 0);
}

void checkWritable(const Record& record, const std::string& path) {
  if (record.leads.empty() || record.microvolts.size() != record.leads.size())
    throw FileError(path, "the record has no leads, or not one sample list per lead");
  if (!(record.samplingRateHz > 0) || !std::isfinite(record.samplingRateHz))
    throw FileError(path, "the record has no sampling rate");
  for (std::size_t k = 0; k < record.leads.size(); ++k) {
    const auto& uv = record.microvolts[k];
    if (uv.empty() || uv.size() != record.samples())
      throw FileError(path, "lead " + record.leads[k] + " has " + std::to_string(uv.size()) + " samples, lead " +
                                record.leads[0] + " " + std::to_string(record.samples()) + " (none may be empty)");
    for (std::size_t i = 0; i < uv.size(); ++i)
      if (!std::isfinite(uv[i]))
        throw FileError(path, "lead " + record.leads[k] + " sample " + std::to_string(i) + " is not a finite number");
  }
}

void writeAtomically(const std::string& path, const std::function<void(const std::filesystem::path& staging)>& write) {
  namespace fs = std::filesystem;
  const fs::path target = fs::absolute(path), folder = target.parent_path();
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw FileError(path, "folder " + folder.string() + " does not exist");
  fs::path staging;
  for (std::random_device random;;) {
    staging = folder / (".krait-partial-" + std::to_string(getpid()) + "-" + std::to_string(random()));
    if (fs::create_directory(staging, ec)) break;
    if (ec) throw FileError(path, "cannot write in " + folder.string() + ": " + ec.message());
  }
  try {
    write(staging / target.filename());
    // Companions (a WFDB .dat) first, the named file last: a reader never finds a header without its data.
    std::vector<fs::path> companions;
    for (const auto& entry : fs::directory_iterator(staging))
      if (entry.path().filename() != target.filename()) companions.push_back(entry.path());
    for (const fs::path& p : companions) fs::rename(p, folder / p.filename());
    fs::rename(staging / target.filename(), target);
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(staging, ec);
    throw FileError(path, std::string("cannot move the written files into place: ") + e.code().message());
  } catch (...) {
    fs::remove_all(staging, ec);
    throw;
  }
  fs::remove_all(staging, ec);
}

void writeFileAtomically(const std::string& path, std::string_view bytes) {
  writeAtomically(path, [&](const std::filesystem::path& staging) {
    std::ofstream out(staging, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) throw FileError(path, "cannot be written");
  });
}

}  // namespace krait::ecg
