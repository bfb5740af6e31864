#include "krait/base/process_memory.h"

#include <sys/resource.h>

#include <fstream>
#include <string>

namespace krait {

void resetPeakMemory() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
}

double peakResidentGiB() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / (1024.0 * 1024.0);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / (1024.0 * 1024.0);
}

}  // namespace krait
