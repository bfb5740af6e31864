#include "numbered_files.h"

#include <climits>
#include <cstdio>
#include <sstream>

#include "krait/base/error.h"

namespace krait::io {

NumberedFiles numberedFiles(const std::string& value, const std::string& file) {
  std::istringstream words(value);
  std::string format;
  long long first = 0, last = 0, step = 0;
  words >> format >> first >> last >> step;
  const std::size_t percent = format.find('%');
  const std::size_t d = percent == std::string::npos ? percent : format.find_first_not_of("0123456789-+ #", percent + 1);
  const auto inInt = [](long long v) { return v >= INT_MIN && v <= INT_MAX; };
  if (!words || step == 0 || !inInt(first) || !inInt(last) || !inInt(step) || d == std::string::npos || format[d] != 'd' ||
      format.find('%', percent + 1) != std::string::npos)
    throw inputError(file, "data file '" + value + "' is not a format with one %d and its range");
  NumberedFiles out;
  out.step = step;
  for (long long i = first; step > 0 ? i <= last : i >= last; i += step) {  // in long long: no overflow from int's range
    char buffer[4096];
    std::snprintf(buffer, sizeof buffer, format.c_str(), static_cast<int>(i));
    out.names.emplace_back(buffer);
    if (out.names.size() > (1u << 20)) throw inputError(file, "data file '" + value + "' names over a million files");
  }
  return out;
}

}  // namespace krait::io
