#include "edf_reader.h"

#include <edflib.h>

#include <memory>

#include "format_support.h"

namespace krait::ecg {
namespace {

std::string trim(const char* text) {
  std::string s(text);
  const auto first = s.find_first_not_of(' ');
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(' ') - first + 1);
}

std::string openError(int code) {
  switch (code) {
    case EDFLIB_MALLOC_ERROR: return "out of memory";
    case EDFLIB_NO_SUCH_FILE_OR_DIRECTORY: return "cannot open it";
    case EDFLIB_FILE_CONTAINS_FORMAT_ERRORS: return "not a valid EDF/BDF file (its header is malformed or does not match its size)";
    case EDFLIB_MAXFILES_REACHED: return "too many EDF files open";
    case EDFLIB_FILE_READ_ERROR: return "read error";
    case EDFLIB_FILE_ALREADY_OPENED: return "already open";
    case EDFLIB_NUMBER_OF_SIGNALS_INVALID: return "too many signals";
    case EDFLIB_FILE_IS_DISCONTINUOUS: return "discontinuous EDF+D/BDF+D files are not supported";
    default: return "EDFlib cannot read it (error " + std::to_string(code) + ")";
  }
}

}  // namespace

std::mutex& edflibMutex() {
  static std::mutex mutex;
  return mutex;
}

Record readEdf(const std::string& path) {
  const std::lock_guard lock(edflibMutex());
  const auto hdr = std::make_unique<edf_hdr_struct>();  // ~200 kB: too large for the stack
  if (edfopen_file_readonly(path.c_str(), hdr.get(), EDFLIB_DO_NOT_READ_ANNOTATIONS) < 0)
    throw FileError(path, openError(hdr->filetype));
  const std::unique_ptr<int, void (*)(int*)> closer(&hdr->handle, [](int* handle) { edfclose_file(*handle); });

  Record record;
  record.source = path;
  std::string ignored;
  int rateSignal = -1;
  for (int k = 0; k < hdr->edfsignals; ++k) {
    const edf_param_struct& s = hdr->signalparam[k];
    const std::string label = trim(s.label), unit = trim(s.physdimension);
    const double perUnit = microvoltsPerUnit(unit);
    if (perUnit == 0) {
      ignored += (ignored.empty() ? "" : ", ") + label + " (" + unit + ")";
      continue;
    }
    if (rateSignal < 0) {
      rateSignal = k;
      record.samplingRateHz = static_cast<double>(s.smp_in_datarecord) * EDFLIB_TIME_DIMENSION / hdr->datarecord_duration;
    } else if (s.smp_in_datarecord != hdr->signalparam[rateSignal].smp_in_datarecord) {
      throw FileError(path, "signals " + record.leads.front() + " and " + label + " have different sampling rates");
    }
    std::vector<double> physical(s.smp_in_file);
    const int read = edfread_physical_samples(hdr->handle, k, static_cast<int>(physical.size()), physical.data());
    if (read != static_cast<int>(physical.size()))
      throw FileError(path, "signal " + label + ": read " + std::to_string(read) + " of " + std::to_string(physical.size()) + " samples");
    std::vector<float> uv(physical.size());
    for (std::size_t i = 0; i < uv.size(); ++i) uv[i] = static_cast<float>(physical[i] * perUnit);
    record.leads.push_back(label);
    record.microvolts.push_back(std::move(uv));
  }
  if (record.leads.empty()) throw FileError(path, "no signal is in volts (" + ignored + ")");
  if (!ignored.empty()) record.info["ignored signals"] = ignored;

  std::tm start{};
  start.tm_year = hdr->startdate_year - 1900, start.tm_mon = hdr->startdate_month - 1, start.tm_mday = hdr->startdate_day;
  start.tm_hour = hdr->starttime_hour, start.tm_min = hdr->starttime_minute, start.tm_sec = hdr->starttime_second;
  // The header cannot say "unknown": 01.01.85 00.00.00, the earliest EDF date, stands for it (writeEdf writes it).
  const bool known = acquiredText(start) != "1985-01-01 00:00:00";
  if (known) record.info["acquired"] = acquiredText(start);
  // EDF+ subfields ("X" = unknown); plain EDF leaves them empty.
  const auto put = [&](const char* key, const std::string& value) {
    if (!value.empty() && value != "X") record.info[key] = value;
  };
  put("patient id", trim(hdr->patientcode));
  put("sex", trim(hdr->gender));
  put("device", trim(hdr->equipment));
  if (hdr->birthdate_year > 0 && known) {
    std::tm birth{};
    birth.tm_year = hdr->birthdate_year - 1900, birth.tm_mon = hdr->birthdate_month - 1, birth.tm_mday = hdr->birthdate_day;
    record.info["age"] = std::to_string(yearsBetween(birth, start));
  }
  return record;
}

}  // namespace krait::ecg
