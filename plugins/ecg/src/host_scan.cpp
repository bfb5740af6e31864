#include "host_scan.h"

#include <krait/plugin_scan.hpp>

namespace krait::ecg {
namespace {
const KraitHost* gHost = nullptr;
}

void keepHost(const KraitHost* host) { gHost = host; }

SelectiveScan hostScan() {
  return [](const ScanInputs& in) { return plugin::selectiveScan(gHost, in); };
}

}  // namespace krait::ecg
