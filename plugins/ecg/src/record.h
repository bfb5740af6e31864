// One ECG recording as every reader of the ECG plugin returns it, whatever the file format: leads in
// microvolts with their names, the sampling rate, and what the file says about the patient and the device.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace krait::ecg {

struct Record {
  std::string source;                       // the file it was read from
  double samplingRateHz = 0.0;
  std::vector<std::string> leads;           // names as the file gives them ("I", "II", "aVR", "V1", ...)
  std::vector<std::vector<float>> microvolts;  // [lead][sample], every lead the same length
  // What the file says besides the signal, under plain keys ("patient id", "age", "sex", "acquired",
  // "device", "low-pass filter Hz", "high-pass filter Hz", "notch filter Hz", ...); absent keys are unknown.
  std::map<std::string, std::string> info;
  std::vector<std::string> diagnosisCodes;  // SNOMED CT codes of the record's labels (WFDB "#Dx"), if any
  // The device's own measurements ("heart rate" -> "61 /min", "PR interval" -> "161 ms", ...), if any.
  std::map<std::string, std::string> measurements;

  std::size_t samples() const { return microvolts.empty() ? 0 : microvolts.front().size(); }
};

// A file that cannot be read or written; what() names the file and the reason.
class FileError : public std::runtime_error {
 public:
  FileError(const std::string& file, const std::string& reason) : std::runtime_error(file + ": " + reason) {}
};

}  // namespace krait::ecg
