#pragma once
// The selective scan of Mamba (mamba_ssm's selective_scan_fn), as one op. Shapes follow mamba_ssm:
//   u, delta, z: (batch, channels, length)     A: (channels, state) fp32
//   B, C: (batch, state, length), or grouped (batch, groups, state, length) where each group serves
//         channels / groups consecutive channels (SS2D's four scan directions)
//   D, deltaBias: (channels) fp32, optional
// out[b,d,t] = (sum_n C[t,n] h[t,n] + D[d] u[b,d,t]) * silu(z[b,d,t]),
//   h[t,n] = exp(dt A[d,n]) h[t-1,n] + dt B[t,n] u[b,d,t],  dt = softplus?(delta[b,d,t] + deltaBias[d]),
// accumulated in fp32 whatever the input type; the output has u's type.
#include <torch/types.h>

namespace krait::models {

struct SelectiveScanInputs {
  torch::Tensor u, delta, A, B, C;
  torch::Tensor D, z, deltaBias;  // undefined tensors mean "absent"
  bool deltaSoftplus = false;
};

// Dispatches on the inputs' device. CPU: parallel over batch x channels, sequential over the sequence.
torch::Tensor selectiveScan(const SelectiveScanInputs& in);

// mamba_ssm's selective_scan_ref, one LibTorch op per timestep: the oracle for tests and the baseline that
// the benchmark compares against.
torch::Tensor selectiveScanReference(const SelectiveScanInputs& in);

}  // namespace krait::models
