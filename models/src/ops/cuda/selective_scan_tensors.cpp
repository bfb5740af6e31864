// The CUDA selective scan's tensor side: checks, dtype and layout conversion, scratch, the launch on the current
// stream. Compiled only when the LibTorch found has CUDA.
#include "selective_scan_tensors.h"

#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>
#include <torch/torch.h>

#include <numeric>

#include "selective_scan_cuda.h"
#include "tensor_element_type.h"

namespace krait::models {

namespace {

void copyStrides(const torch::Tensor& t, int64_t* s) {
  for (int64_t i = 0; i < t.dim(); ++i) s[i] = t.stride(i);
}

}  // namespace

torch::Tensor selectiveScanCuda(const SelectiveScanInputs& in) {
  RECORD_USER_SCOPE("krait::selective_scan");
  if (in.out.defined()) throw std::invalid_argument("selective scan: `out` is for the CPU scan only");
  const c10::cuda::CUDAGuard onDevice(in.u.device());
  const torch::ScalarType type = in.u.scalar_type();
  cuda::ScanParams p;
  p.dtype = cuda::elementTypeOf(type, "selective scan");
  const auto options = in.u.options();
  const auto same = [&](const torch::Tensor& t) { return t.to(options.device(), type); };
  // The kernel reads 32 neighbouring channels of a token at once: channels must be the fastest axis.
  const auto channelsLast = [&](const torch::Tensor& t) {
    const torch::Tensor s = same(t);
    return s.stride(1) == 1 || s.size(1) == 1 ? s : s.transpose(1, 2).contiguous().transpose(1, 2);
  };
  const auto grouped = [&](const torch::Tensor& t) { return same(t.dim() == 3 ? t.unsqueeze(1) : t); };
  const auto fp32 = [&](const torch::Tensor& t) {
    return t.defined() ? t.to(options.device(), torch::kFloat32).contiguous() : torch::Tensor();
  };
  const torch::Tensor u = channelsLast(in.u), delta = channelsLast(in.delta);
  const torch::Tensor z = in.z.defined() ? channelsLast(in.z) : torch::Tensor();
  const torch::Tensor B = grouped(in.B), C = grouped(in.C);
  const torch::Tensor A = fp32(in.A), D = fp32(in.D), bias = fp32(in.deltaBias);
  p.batch = u.size(0);
  p.channels = u.size(1);
  p.length = u.size(2);
  p.states = static_cast<int>(A.size(1));
  p.groups = std::lcm(B.size(1), C.size(1));
  p.perGroup = p.channels / p.groups;
  p.bGroupDiv = p.groups / B.size(1);
  p.cGroupDiv = p.groups / C.size(1);
  // Written channels-last, as it is read: Mamba's out_proj takes it as (batch, length, channels) directly.
  torch::Tensor out = torch::empty({p.batch, p.length, p.channels}, options).transpose(1, 2);
  p.u = u.data_ptr();
  copyStrides(u, p.uStride);
  p.delta = delta.data_ptr();
  copyStrides(delta, p.deltaStride);
  if (z.defined()) {
    p.z = z.data_ptr();
    copyStrides(z, p.zStride);
  }
  p.B = B.data_ptr();
  copyStrides(B, p.bStride);
  p.C = C.data_ptr();
  copyStrides(C, p.cStride);
  p.A = A.data_ptr<float>();
  p.D = D.defined() ? D.data_ptr<float>() : nullptr;
  p.deltaBias = bias.defined() ? bias.data_ptr<float>() : nullptr;
  p.softplus = in.deltaSoftplus;
  p.out = out.data_ptr();
  copyStrides(out, p.outStride);
  const int smCount = at::cuda::getCurrentDeviceProperties()->multiProcessorCount;
  const torch::Tensor scratch = torch::empty({cuda::scanScratchBytes(p, smCount)}, options.dtype(torch::kUInt8));
  cuda::launchSelectiveScan(p, scratch.data_ptr(), smCount, at::cuda::getCurrentCUDAStream());
  return out;
}

}  // namespace krait::models
