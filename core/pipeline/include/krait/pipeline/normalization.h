#pragma once
// nnU-Net's intensity normalisation (nnunetv2/preprocessing/normalization/default_normalization_schemes.py),
// in float32 as numpy computes it.
#include <vector>

#include <torch/types.h>

#include "krait/pipeline/inference_plan.h"

namespace krait {

// Normalises (C, Z, Y, X) float32 data in place, channel c by schemes[c]; `mask` (Z, Y, X bool) is the
// cropped non-zero mask. Throws Error(Input) when an RGB channel lies outside 0..255.
void normalizeChannels(torch::Tensor& data, const torch::Tensor& mask,
                       const std::vector<ChannelNormalization>& schemes);

}  // namespace krait
