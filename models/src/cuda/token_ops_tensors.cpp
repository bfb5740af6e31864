// The Mamba layers' token kernels, tensor side. Compiled only when the LibTorch found has CUDA.
#include "token_ops_tensors.h"

#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>
#include <torch/torch.h>

#include "token_ops_cuda.h"

namespace krait::models {

namespace {

bool applies(const torch::Tensor& x) { return x.is_cuda() && x.scalar_type() == torch::kFloat && x.dim() == 3; }

cuda::TokenView view(const torch::Tensor& x) {
  cuda::TokenView v;
  v.data = x.data_ptr<float>();
  v.batch = x.size(0);
  v.tokens = x.size(1);
  v.channels = x.size(2);
  for (int i = 0; i < 3; ++i) v.stride[i] = x.stride(i);
  return v;
}

torch::Tensor fp32(const torch::Tensor& t, const torch::Device& device) {
  return t.defined() ? t.to(device, torch::kFloat).contiguous() : torch::Tensor();
}

const float* pointer(const torch::Tensor& t) { return t.defined() ? t.data_ptr<float>() : nullptr; }

}  // namespace

torch::Tensor causalConv1dSiluCuda(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  if (!applies(x)) return {};
  const c10::cuda::CUDAGuard onDevice(x.device());
  const torch::Tensor w = fp32(weight, x.device()), b = fp32(bias, x.device());  // w: (channels, 1, taps)
  torch::Tensor out = torch::empty(x.sizes(), x.options());
  cuda::launchCausalConv1dSilu(view(x), w.data_ptr<float>(), pointer(b), static_cast<int>(w.size(-1)),
                               out.data_ptr<float>(), at::cuda::getCurrentCUDAStream());
  return out;
}

torch::Tensor layerNormCuda(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, double eps) {
  if (!applies(x) || x.size(2) > cuda::kMaxLayerNormChannels) return {};
  const c10::cuda::CUDAGuard onDevice(x.device());
  const torch::Tensor w = fp32(weight, x.device()), b = fp32(bias, x.device());
  torch::Tensor out = torch::empty(x.sizes(), x.options());
  cuda::launchLayerNorm(view(x), pointer(w), pointer(b), eps, out.data_ptr<float>(), at::cuda::getCurrentCUDAStream());
  return out;
}

}  // namespace krait::models
