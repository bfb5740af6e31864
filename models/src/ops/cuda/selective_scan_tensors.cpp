// The CUDA selective scan's tensor side: checks, dtype and layout conversion, scratch, the launch on the current
// stream. Compiled only when the LibTorch found has CUDA.
#include "selective_scan_tensors.h"

#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>
#include <torch/torch.h>

#include <algorithm>
#include <numeric>

#include "../selective_scan_check.h"
#include "selective_scan_backward_cuda.h"
#include "selective_scan_cuda.h"
#include "tensor_element_type.h"

namespace krait::models {

namespace {

void copyStrides(const torch::Tensor& t, int64_t* s) {
  for (int64_t i = 0; i < t.dim(); ++i) s[i] = t.stride(i);
}

torch::Tensor channelsFastest(const torch::Tensor& t) {
  return t.stride(1) == 1 || t.size(1) == 1 ? t : t.transpose(1, 2).contiguous().transpose(1, 2);
}

// The inputs as the kernels read them (kept alive with the parameters that point into them).
struct PreparedScan {
  cuda::ScanParams p;
  torch::Tensor u, delta, z, B, C, A, D, bias;
};

PreparedScan prepare(const SelectiveScanInputs& in) {
  const torch::ScalarType type = in.u.scalar_type();
  PreparedScan s;
  cuda::ScanParams& p = s.p;
  p.dtype = cuda::elementTypeOf(type, "selective scan");
  const auto options = in.u.options();
  const auto same = [&](const torch::Tensor& t) { return t.to(options.device(), type); };
  // The kernels read 32 neighbouring channels of a token at once: channels must be the fastest axis.
  const auto grouped = [&](const torch::Tensor& t) { return same(t.dim() == 3 ? t.unsqueeze(1) : t); };
  s.u = channelsFastest(same(in.u));
  s.delta = channelsFastest(same(in.delta));
  s.z = in.z.defined() ? channelsFastest(same(in.z)) : torch::Tensor();
  s.B = grouped(in.B);
  s.C = grouped(in.C);
  s.A = cuda::float32On(in.A, options.device()), s.D = cuda::float32On(in.D, options.device());
  s.bias = cuda::float32On(in.deltaBias, options.device());
  p.batch = s.u.size(0);
  p.channels = s.u.size(1);
  p.length = s.u.size(2);
  p.states = static_cast<int>(s.A.size(1));
  p.groups = std::lcm(s.B.size(1), s.C.size(1));
  p.perGroup = p.channels / p.groups;
  p.bGroupDiv = p.groups / s.B.size(1);
  p.cGroupDiv = p.groups / s.C.size(1);
  p.u = s.u.data_ptr();
  copyStrides(s.u, p.uStride);
  p.delta = s.delta.data_ptr();
  copyStrides(s.delta, p.deltaStride);
  if (s.z.defined()) {
    p.z = s.z.data_ptr();
    copyStrides(s.z, p.zStride);
  }
  p.uGroupStride = p.perGroup * p.uStride[1];
  p.deltaGroupStride = p.perGroup * p.deltaStride[1];
  p.zGroupStride = p.perGroup * p.zStride[1];
  p.B = s.B.data_ptr();
  copyStrides(s.B, p.bStride);
  p.C = s.C.data_ptr();
  copyStrides(s.C, p.cStride);
  p.A = s.A.data_ptr<float>();
  p.D = s.D.defined() ? s.D.data_ptr<float>() : nullptr;
  p.deltaBias = s.bias.defined() ? s.bias.data_ptr<float>() : nullptr;
  p.softplus = in.deltaSoftplus;
  return s;
}

}  // namespace

torch::Tensor selectiveScanCuda(const SelectiveScanInputs& in) {
  RECORD_USER_SCOPE("krait::selective_scan");
  if (in.out.defined()) throw std::invalid_argument("selective scan: `out` is for the CPU scan only");
  const c10::cuda::CUDAGuard onDevice(in.u.device());
  PreparedScan s = prepare(in);
  cuda::ScanParams& p = s.p;
  const auto options = in.u.options();
  // Written channels-last, as it is read: Mamba's out_proj takes it as (batch, length, channels) directly.
  torch::Tensor out = torch::empty({p.batch, p.length, p.channels}, options).transpose(1, 2);
  p.out = out.data_ptr();
  copyStrides(out, p.outStride);
  const int smCount = at::cuda::getCurrentDeviceProperties()->multiProcessorCount;
  const torch::Tensor scratch = torch::empty({cuda::scanScratchBytes(p, smCount)}, options.dtype(torch::kUInt8));
  cuda::launchSelectiveScan(p, scratch.data_ptr(), smCount, at::cuda::getCurrentCUDAStream());
  return out;
}

torch::Tensor crossScanCuda(const CrossScanInputs& in) {
  RECORD_USER_SCOPE("krait::cross_scan");
  const c10::cuda::CUDAGuard onDevice(in.x.device());
  const int64_t batch = in.x.size(0), h = in.x.size(1), w = in.x.size(2), d = in.x.size(3), length = h * w;
  if (length >= (int64_t{1} << 32)) throw std::invalid_argument("cross scan: a grid of 2^32 tokens or more");
  const auto f32 = in.x.options().dtype(torch::kFloat32);
  // In fp32, as the official forward_core converts its scan's inputs; u and delta with their channels fastest.
  const torch::Tensor u = torch::empty({batch, h, w, d}, f32).copy_(in.x);
  const torch::Tensor delta = torch::empty({kCrossScanDirections, batch, h, w, d}, f32).copy_(in.delta);
  const torch::Tensor B = in.B.to(torch::kFloat32), C = in.C.to(torch::kFloat32);  // (batch, h, w, 4, N)
  const torch::Tensor A = cuda::float32On(in.A, in.x.device()), D = cuda::float32On(in.D, in.x.device());
  const torch::Tensor bias = cuda::float32On(in.deltaBias, in.x.device());
  for (const torch::Tensor* t : {&B, &C})
    if (t->stride(1) != w * t->stride(2)) throw std::invalid_argument("cross scan: B and C must be row-major over the grid");
  torch::Tensor out = torch::empty({batch, length, kCrossScanDirections * d}, f32);
  cuda::ScanParams p;
  p.dtype = cuda::ElementType::Float32;
  p.batch = batch;
  p.channels = kCrossScanDirections * d;
  p.length = length;
  p.states = static_cast<int>(A.size(1));
  p.groups = kCrossScanDirections;
  p.perGroup = d;
  p.u = u.data_ptr();
  const int64_t uStrides[3] = {length * d, 1, d};
  std::copy(uStrides, uStrides + 3, p.uStride);
  std::copy(uStrides, uStrides + 3, p.deltaStride);
  p.uGroupStride = 0;  // every direction reads the same tokens
  p.delta = delta.data_ptr();
  p.deltaGroupStride = batch * length * d;
  const auto gridStrides = [](const torch::Tensor& t, int64_t* s) {
    const int64_t strides[4] = {t.stride(0), t.stride(3), t.stride(4), t.stride(2)};  // batch, group, state, position
    std::copy(strides, strides + 4, s);
  };
  p.B = B.data_ptr();
  gridStrides(B, p.bStride);
  p.C = C.data_ptr();
  gridStrides(C, p.cStride);
  p.A = A.data_ptr<float>();
  p.D = D.defined() ? D.data_ptr<float>() : nullptr;
  p.deltaBias = bias.defined() ? bias.data_ptr<float>() : nullptr;
  p.softplus = true;
  p.out = out.data_ptr();
  const int64_t outStrides[3] = {length * kCrossScanDirections * d, 1, kCrossScanDirections * d};
  std::copy(outStrides, outStrides + 3, p.outStride);
  p.gridRows = h;
  p.gridCols = w;
  const int smCount = at::cuda::getCurrentDeviceProperties()->multiProcessorCount;
  const torch::Tensor scratch = torch::empty({cuda::scanScratchBytes(p, smCount)}, in.x.options().dtype(torch::kUInt8));
  cuda::launchSelectiveScan(p, scratch.data_ptr(), smCount, at::cuda::getCurrentCUDAStream());
  // Every direction's output is at the grid positions already: the sum in the official order.
  const torch::Tensor y = out.view({batch, h, w, kCrossScanDirections, d});
  return y.select(3, 0) + y.select(3, 2) + y.select(3, 1) + y.select(3, 3);
}

SelectiveScanGradients selectiveScanBackwardCuda(const SelectiveScanInputs& in, const torch::Tensor& gradOut) {
  RECORD_USER_SCOPE("krait::selective_scan_backward");
  const c10::cuda::CUDAGuard onDevice(in.u.device());
  const PreparedScan s = prepare(in);
  cuda::ScanBackwardParams q;
  q.scan = s.p;
  const torch::Tensor g = channelsFastest(gradOut.to(in.u.device(), in.u.scalar_type()));
  q.gradOut = g.data_ptr();
  copyStrides(g, q.gradOutStride);
  const auto f32 = in.u.options().dtype(torch::kFloat32);
  const int64_t batch = s.p.batch, channels = s.p.channels, length = s.p.length, states = s.p.states;
  const auto perToken = [&] { return torch::empty({batch, length, channels}, f32).transpose(1, 2); };
  torch::Tensor gu = perToken(), gdelta = perToken(), gz = in.z.defined() ? perToken() : torch::Tensor();
  q.gu = gu.data_ptr<float>();
  q.gdelta = gdelta.data_ptr<float>();
  q.gz = gz.defined() ? gz.data_ptr<float>() : nullptr;
  copyStrides(gu, q.gradStride);
  torch::Tensor gB = torch::zeros({batch, s.B.size(1), states, length}, f32), gC = torch::zeros({batch, s.C.size(1), states, length}, f32);
  torch::Tensor gA = torch::zeros({channels, states}, f32), gD = torch::zeros({channels}, f32), gBias = torch::zeros({channels}, f32);
  q.gB = gB.data_ptr<float>();
  q.gC = gC.data_ptr<float>();
  q.gA = gA.data_ptr<float>();
  q.gD = gD.data_ptr<float>();
  q.gDeltaBias = gBias.data_ptr<float>();
  const torch::Tensor scratch = torch::empty({cuda::scanBackwardScratchBytes(q)}, in.u.options().dtype(torch::kUInt8));
  cuda::launchSelectiveScanBackward(q, scratch.data_ptr(), at::cuda::getCurrentCUDAStream());
  return asInputGradients(in, {gu, gdelta, gA, gB, gC, gD, gz, gBias});
}

}  // namespace krait::models
