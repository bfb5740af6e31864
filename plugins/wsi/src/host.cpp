#include "host.h"

#include <krait/plugin_scan.hpp>
#include <krait/plugin_torch.hpp>

namespace krait::wsi {
namespace {
const KraitHost* gHost = nullptr;
}

void keepHost(const KraitHost* host) { gHost = host; }

plugin::ScanFunction hostScan() {
  return [](const plugin::ScanInputs& in) { return plugin::selectiveScan(gHost, in); };
}

StateDictReader hostStateDictReader() {
  return [](const std::string& path) {
    try {
      return plugin::readTensors(gHost, path);
    } catch (const plugin::Failure& e) {
      throw EncoderError(path, e.what());
    }
  };
}

}  // namespace krait::wsi
