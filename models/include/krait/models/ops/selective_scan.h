#pragma once
// The selective scan of Mamba (mamba_ssm's selective_scan_fn), as one op. Shapes follow mamba_ssm:
//   u, delta, z: (batch, channels, length)     A: (channels, state) fp32
//   B, C: (batch, state, length), or grouped (batch, groups, state, length) where each group serves
//         channels / groups consecutive channels (SS2D's four scan directions)
//   D, deltaBias: (channels) fp32, optional
// out[b,d,t] = (sum_n C[t,n] h[t,n] + D[d] u[b,d,t]) * silu(z[b,d,t]),
//   h[t,n] = exp(dt A[d,n]) h[t-1,n] + dt B[t,n] u[b,d,t],  dt = softplus?(delta[b,d,t] + deltaBias[d]),
// accumulated in fp32 whatever the input type; the output has u's type.
// Any strides are accepted (e.g. delta and z as transposes of (batch, length, channels) projections, B and C
// as transposes of (batch, length, state) slices, as Krait's Mamba layer passes them). The output is a
// (batch, channels, length) tensor: contiguous from the CPU scan, channels-fastest from the CUDA scan.
#include <torch/types.h>

namespace krait::models {

struct SelectiveScanInputs {
  torch::Tensor u, delta, A, B, C;
  torch::Tensor D, z, deltaBias;  // undefined tensors mean "absent"
  bool deltaSoftplus = false;
  // Optional, CPU scan only: a contiguous fp32 (batch, channels, length) tensor, not overlapping the inputs, to
  // write the result into and return (e.g. a buffer reused across calls: a fresh one costs page faults). Only
  // with fp32 u. Undefined: a fresh tensor. selectiveScanReference ignores it.
  torch::Tensor out;
};

// The CPU kernels, by instruction set. Automatic picks the widest the running CPU supports; the others exist
// so that tests can check every kernel the machine can run.
enum class CpuScanKernel { Automatic, Avx512, Avx2, Generic };

// Whether this CPU (and build) can run `kernel`; Automatic and Generic always can.
bool cpuScanKernelSupported(CpuScanKernel kernel);
// "avx512" (16 fp32 lanes), "avx2" (8) or "generic" (4, SSE2 or the target's baseline); Automatic names the
// kernel it resolves to on this CPU.
const char* cpuScanKernelName(CpuScanKernel kernel);

// Where autograd records (ops/autograd.h: training), the scan is the differentiable op below. Otherwise it
// dispatches on the inputs' device. CUDA (builds against a LibTorch with CUDA): fp32, fp16 or bf16 inputs (z,
// delta, B and C are converted to u's type; A, D and deltaBias are fp32), at most 16 states, a chunked scan
// parallel along the sequence with fp32 state, output in u's type. CPU: parallel over batch x blocks of channels (one vector lane per
// channel) on at::get_num_threads() threads, sequential over the sequence, no full-size temporaries. fp32
// inputs are used in place; other floating types are converted to fp32 first. Fresh outputs come from a small
// cache of freed scan outputs (it holds at most 128 MiB), so their memory is not newly faulted in each call.
torch::Tensor selectiveScan(const SelectiveScanInputs& in);
// The CPU scan with a given kernel; throws std::invalid_argument if this CPU cannot run it.
torch::Tensor selectiveScan(const SelectiveScanInputs& in, CpuScanKernel kernel);

// mamba_ssm's selective_scan_ref, one LibTorch op per timestep: the oracle for tests and the baseline that
// the benchmark compares against. Computes in fp32, or in fp64 for fp64 u; differentiable by LibTorch's
// autograd (the oracle for the backward pass).
torch::Tensor selectiveScanReference(const SelectiveScanInputs& in);

// The gradients of the scan's output with respect to each input (mamba_ssm's selective_scan_bwd); undefined
// where the input is absent. Each has its input's shape and type (B and C grouped or plain as given).
struct SelectiveScanGradients {
  torch::Tensor u, delta, A, B, C, D, z, deltaBias;
};

// The backward pass, given dL/d(out). CPU: computes in fp64 for fp64 u, else fp32; the states are recomputed
// a chunk of 64 steps at a time from checkpoints of every 64th state, so memory stays O(B D N L / 64) instead
// of the O(B D N L) of storing them, at the cost of a second forward sweep; parallel over batch x blocks of
// channels, each block adding its B and C gradients into its own buffer (reduced at the end, no atomics).
SelectiveScanGradients selectiveScanBackward(const SelectiveScanInputs& in, const torch::Tensor& gradOut);

// The scan as a LibTorch autograd op: selectiveScan forward (selectiveScanReference's arithmetic for fp64),
// selectiveScanBackward backward. `in.out` must be undefined.
torch::Tensor selectiveScanDifferentiable(const SelectiveScanInputs& in);

}  // namespace krait::models
