// What the plugin takes from its host: the selective scan its Mamba layers run (Krait's kernels, plugin ABI 1.1)
// and the reader of weights files (Krait's Python-free checkpoint reader, ABI 1.2), from the host table the
// plugin keeps from its set-up.
#pragma once

#include <krait/plugin.h>

#include "encoder.h"
#include "mil_model.h"

namespace krait::wsi {

void keepHost(const KraitHost* host);
plugin::ScanFunction hostScan();
// Errors come back as EncoderError naming the file.
StateDictReader hostStateDictReader();

}  // namespace krait::wsi
