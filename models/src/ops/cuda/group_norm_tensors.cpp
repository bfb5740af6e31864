// The fused CUDA group normalisation's tensor side: layout and dtype conversion, scratch, the launch on the
// current stream. Compiled only when the LibTorch found has CUDA.
#include "group_norm_tensors.h"

#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>
#include <torch/torch.h>

#include "group_norm_cuda.h"
#include "tensor_element_type.h"

namespace krait::models {

bool normalizeGroupsCuda(const torch::Tensor& x, const torch::Tensor& out, int64_t groups, const torch::Tensor& weight,
                         const torch::Tensor& bias, double slope, const torch::Tensor& residual) {
  const auto type = x.scalar_type();
  if (type != torch::kFloat && type != torch::kHalf && type != torch::kBFloat16) return false;
  const c10::cuda::CUDAGuard onDevice(x.device());
  // Channels-last tensors (what cuDNN's reduced-precision convolutions run on) stay channels-last.
  const auto lastFormat = x.dim() == 5 ? at::MemoryFormat::ChannelsLast3d : at::MemoryFormat::ChannelsLast;
  const bool channelsLast = (x.dim() == 4 || x.dim() == 5) && !x.is_contiguous() && x.is_contiguous(lastFormat) &&
                            x.size(1) <= cuda::kMaxChannelsLastChannels / 8;
  const auto format = channelsLast ? lastFormat : at::MemoryFormat::Contiguous;
  const torch::Tensor input = x.contiguous(format);
  const torch::Tensor added =
      residual.defined() ? residual.to(x.device(), type).contiguous(format) : torch::Tensor();
  const torch::Tensor w = cuda::float32On(weight, x.device()), b = cuda::float32On(bias, x.device());
  // Written in place when out is x (or any tensor of its type and layout); otherwise through a temporary.
  const bool direct = out.is_contiguous(format) && out.scalar_type() == type;
  const torch::Tensor result = direct ? out : torch::empty_like(input);
  cuda::GroupNormParams p;
  p.type = cuda::elementTypeOf(type, "group norm");
  p.batch = x.size(0);
  p.channels = x.size(1);
  p.groups = groups;
  p.spatial = x.numel() / std::max<int64_t>(1, p.batch * p.channels);
  p.channelsLast = channelsLast;
  p.x = input.data_ptr();
  p.residual = added.defined() ? added.data_ptr() : nullptr;
  p.out = result.data_ptr();
  p.weight = w.defined() ? w.data_ptr<float>() : nullptr;
  p.bias = b.defined() ? b.data_ptr<float>() : nullptr;
  p.slope = static_cast<float>(slope);
  const int smCount = at::cuda::getCurrentDeviceProperties()->multiProcessorCount;
  const torch::Tensor scratch =
      torch::empty({cuda::groupNormScratchBytes(p, smCount)}, x.options().dtype(torch::kUInt8));
  cuda::launchGroupNorm(p, scratch.data_ptr(), smCount, at::cuda::getCurrentCUDAStream());
  if (!direct) const_cast<torch::Tensor&>(out).copy_(result);
  return true;
}

}  // namespace krait::models
