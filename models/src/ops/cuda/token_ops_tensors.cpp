// The token kernels, tensor side. Compiled only when the LibTorch found has CUDA.
#include "token_ops_tensors.h"

#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>
#include <torch/torch.h>

#include <algorithm>
#include <optional>

#include "tensor_element_type.h"
#include "token_ops_cuda.h"

namespace krait::models {

namespace {

bool onCuda(const torch::Tensor& x, std::initializer_list<torch::ScalarType> types) {
  return x.is_cuda() && std::find(types.begin(), types.end(), x.scalar_type()) != types.end();
}

// x as (batch, tokens, channels): the axes between the first and the last merged when their strides allow.
std::optional<cuda::TokenView> view(const torch::Tensor& x) {
  if (x.dim() < 2) return std::nullopt;
  cuda::TokenView v;
  v.data = x.data_ptr();
  v.type = cuda::elementTypeOf(x.scalar_type(), "layer norm");
  const int64_t last = x.dim() - 1;
  v.batch = x.dim() > 2 ? x.size(0) : 1;
  v.stride[0] = x.dim() > 2 ? x.stride(0) : 0;
  v.channels = x.size(last);
  v.stride[2] = x.stride(last);
  const int64_t first = x.dim() > 2 ? 1 : 0;
  v.tokens = 1;
  v.stride[1] = 0;
  for (int64_t i = last - 1; i >= first; --i) {
    if (x.size(i) == 1) continue;
    if (v.tokens > 1 && x.stride(i) != v.stride[1] * v.tokens) return std::nullopt;
    if (v.tokens == 1) v.stride[1] = x.stride(i);
    v.tokens *= x.size(i);
  }
  return v;
}

const float* pointer(const torch::Tensor& t) { return t.defined() ? t.data_ptr<float>() : nullptr; }

}  // namespace

torch::Tensor causalConv1dSiluCuda(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  if (!onCuda(x, {torch::kFloat, torch::kHalf, torch::kBFloat16}) || x.dim() != 3) return {};
  const c10::cuda::CUDAGuard onDevice(x.device());
  // Reduced-precision weights are exact in fp32.
  const torch::Tensor w = cuda::float32On(weight, x.device()), b = cuda::float32On(bias, x.device());  // w: (channels, 1, taps)
  torch::Tensor out = torch::empty(x.sizes(), x.options());
  cuda::launchCausalConv1dSilu(*view(x), w.data_ptr<float>(), pointer(b), static_cast<int>(w.size(-1)),
                               out.data_ptr(), at::cuda::getCurrentCUDAStream());
  return out;
}

torch::Tensor layerNormCuda(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, double eps,
                            torch::ScalarType out) {
  const auto types = {torch::kFloat, torch::kHalf, torch::kBFloat16};
  if (!onCuda(x, types) || x.size(-1) > cuda::kMaxLayerNormChannels ||
      std::find(types.begin(), types.end(), out) == types.end())
    return {};
  const auto tokens = view(x);
  if (!tokens) return {};
  const c10::cuda::CUDAGuard onDevice(x.device());
  const torch::Tensor w = cuda::float32On(weight, x.device()), b = cuda::float32On(bias, x.device());
  torch::Tensor result = torch::empty(x.sizes(), x.options().dtype(out));
  cuda::launchLayerNorm(*tokens, pointer(w), pointer(b), eps, result.data_ptr(), cuda::elementTypeOf(out, "layer norm"),
                        at::cuda::getCurrentCUDAStream());
  return result;
}

}  // namespace krait::models
