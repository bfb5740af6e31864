// The selective scan the plugin's networks run: Krait's own CPU and CUDA kernels, reached through the host table
// the plugin keeps from its set-up (krait/plugin_scan.hpp, plugin ABI 1.1).
#pragma once

#include <krait/plugin.h>

#include "ecg_mamba.h"

namespace krait::ecg {

// Called once by the plugin's set-up.
void keepHost(const KraitHost* host);
// The scan as EcgMamba takes it; differentiable. Fails (krait::plugin::Failure) on a Krait without ABI 1.1.
SelectiveScan hostScan();

}  // namespace krait::ecg
