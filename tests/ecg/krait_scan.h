#pragma once
// The selective scan the ECG plugin's tests give its network: Krait's own (forward and backward), which the
// plugin reaches through the host table (krait/plugin_scan.hpp) when it runs inside Krait.
#include "ecg_mamba.h"
#include "krait/models/ops/selective_scan.h"

namespace krait::ecg {

inline torch::Tensor kraitScan(const ScanInputs& in) {
  models::SelectiveScanInputs s;
  s.u = in.u;
  s.delta = in.delta;
  s.A = in.A;
  s.B = in.B;
  s.C = in.C;
  s.D = in.D;
  s.z = in.z;
  s.deltaBias = in.deltaBias;
  s.deltaSoftplus = in.deltaSoftplus;
  return models::selectiveScan(s);
}

}  // namespace krait::ecg
