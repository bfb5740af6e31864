#include "edf_writer.h"

#include <edflib.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "edf_reader.h"
#include "format_support.h"

namespace krait::ecg {
namespace {

constexpr long kDigitalMin = -32768, kDigitalMax = 32767;

// EDFlib prints a physical limit by truncating its binary value to 8 characters (3276.7 -> "3276.699"), so
// only multiples of 1/1024 whose decimal form has at most 8 characters come out as given.
bool printsExactly(double x) {
  char text[64];
  const char* end = std::to_chars(text, text + sizeof text, x, std::chars_format::fixed).ptr;
  return std::ldexp(x, 10) == std::round(std::ldexp(x, 10)) && end - text <= 8;
}

// The physical values of the digital minimum and maximum for one lead.
std::pair<double, double> physicalRange(const std::vector<float>& uv, const std::string& lead, const std::string& path) {
  const auto [lo, hi] = std::minmax_element(uv.begin(), uv.end());
  // On a grid: digital = multiple of the step - offset, exact. A finer grid (6.25 µV as 5 x 1.25) may be needed
  // for limits that print: 32767 x 6.25 takes 9 characters.
  const double gain = gridGain(uv);
  for (int divisor = 1; gain > 0 && divisor <= 16; ++divisor) {
    const double step = 1000.0 / gain / divisor;
    const long kmin = std::lround(*lo / step), kmax = std::lround(*hi / step);
    long offset = kmax > kDigitalMax ? kmax - kDigitalMax : 0;
    if (kmin - offset < kDigitalMin) offset = kmin - kDigitalMin;
    const double pmin = (kDigitalMin + offset) * step, pmax = (kDigitalMax + offset) * step;
    if (kmax - kmin <= kDigitalMax - kDigitalMin && printsExactly(pmin) && printsExactly(pmax)) return {pmin, pmax};
  }
  const double pmin = std::floor(double{*lo}), pmax = std::max(std::ceil(double{*hi}), pmin + 1);  // whole µV always print exactly
  if (!printsExactly(pmin) || !printsExactly(pmax))
    throw FileError(path, "lead " + lead + " reaches " + std::to_string(std::abs(*lo) > std::abs(*hi) ? *lo : *hi) +
                              " µV; EDF's 8-character fields hold -9999999 to 99999999");
  return {pmin, pmax};
}

// Samples per data record: one second's when that divides the record, else the most that divide it within
// EDFlib's 1 ms to 60 s, in whole 10 µs units.
long recordSamples(double rate, long samples) {
  const auto units = [rate](long n) { return n * 100000.0 / rate; };
  const auto fits = [&](long n) {
    const double u = units(n);
    return samples % n == 0 && std::abs(u - std::round(u)) < 1e-6 && u >= 100 && u <= 6000000;
  };
  if (rate == std::round(rate) && fits(static_cast<long>(rate))) return static_cast<long>(rate);
  for (long n = std::min(samples, static_cast<long>(60 * rate)); n > 0; --n)
    if (fits(n)) return n;
  return 0;
}

}  // namespace

void writeEdf(const Record& record, const std::string& path) {
  checkWritable(record, path);
  const long samples = static_cast<long>(record.samples());
  const long perRecord = recordSamples(record.samplingRateHz, samples);
  if (perRecord == 0)
    throw FileError(path, std::to_string(samples) + " samples at " + std::to_string(record.samplingRateHz) +
                              " Hz do not split into EDF data records of 1 ms to 60 s");
  const int leads = static_cast<int>(record.leads.size());
  if (leads > EDFLIB_MAXSIGNALS) throw FileError(path, "EDF holds at most " + std::to_string(EDFLIB_MAXSIGNALS) + " signals");
  std::vector<std::pair<double, double>> ranges;
  for (int k = 0; k < leads; ++k) ranges.push_back(physicalRange(record.microvolts[k], record.leads[k], path));
  const auto info = [&](const char* key) {
    const auto it = record.info.find(key);
    return it == record.info.end() ? std::string() : it->second;
  };

  writeAtomically(path, [&](const std::filesystem::path& staging) {
    const std::lock_guard lock(edflibMutex());
    const int handle = edfopen_file_writeonly(staging.c_str(), EDFLIB_FILETYPE_EDFPLUS, leads);
    if (handle < 0) throw FileError(path, "EDFlib cannot create it (error " + std::to_string(handle) + ")");
    bool closed = false;
    const auto check = [&](int rc, const std::string& what) {
      if (rc == 0) return;
      if (!closed) edfclose_file(handle);
      closed = true;
      throw FileError(path, "EDFlib refused " + what);
    };
    for (int k = 0; k < leads; ++k) {
      const std::string& lead = record.leads[k];
      check(edf_set_samplefrequency(handle, k, static_cast<int>(perRecord)), "the rate of " + lead);
      check(edf_set_digital_minimum(handle, k, kDigitalMin), "the digital minimum of " + lead);
      check(edf_set_digital_maximum(handle, k, kDigitalMax), "the digital maximum of " + lead);
      check(edf_set_physical_minimum(handle, k, ranges[k].first), "the physical minimum of " + lead);
      check(edf_set_physical_maximum(handle, k, ranges[k].second), "the physical maximum of " + lead);
      check(edf_set_physical_dimension(handle, k, "uV"), "the unit of " + lead);
      check(edf_set_label(handle, k, lead.c_str()), "the label " + lead);
    }
    const long units = std::lround(perRecord * 100000.0 / record.samplingRateHz);
    if (units != 100000) check(edf_set_datarecord_duration(handle, static_cast<int>(units)), "the data record duration");
    std::tm t{};
    if (!parseAcquired(info("acquired"), t)) t.tm_year = 85, t.tm_mon = 0, t.tm_mday = 1;  // "unknown", see readEdf
    check(edf_set_startdatetime(handle, t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec),
          "the start date");
    if (const std::string sex = info("sex"); sex == "Male" || sex == "Female")
      check(edf_set_gender(handle, sex == "Male" ? 1 : 0), "the sex");
    if (const std::string id = info("patient id"); !id.empty()) check(edf_set_patientcode(handle, id.c_str()), "the patient id");
    if (const std::string device = info("device"); !device.empty()) check(edf_set_equipment(handle, device.c_str()), "the device");

    std::vector<int> digital(perRecord);
    for (long start = 0; start < samples; start += perRecord) {
      for (int k = 0; k < leads; ++k) {
        const auto [pmin, pmax] = ranges[k];
        const double step = (pmax - pmin) / (kDigitalMax - kDigitalMin);  // as readers compute it
        for (long i = 0; i < perRecord; ++i) {
          const long d = std::lround((record.microvolts[k][start + i] - pmin) / step) + kDigitalMin;
          digital[i] = static_cast<int>(std::clamp(d, kDigitalMin, kDigitalMax));
        }
        check(edfwrite_digital_samples(handle, digital.data()), "the samples of " + record.leads[k]);
      }
    }
    closed = true;
    if (edfclose_file(handle) != 0) throw FileError(path, "EDFlib could not finish writing it");
  });
}

}  // namespace krait::ecg
