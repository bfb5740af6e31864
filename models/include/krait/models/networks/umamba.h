#pragma once
// U-Mamba_Bot and U-Mamba_Enc, 2D and 3D (bowang-lab/U-Mamba, layout of 2024-03-27 and later:
// nets/UMamba{Bot,Enc}_{2d,3d}.py). Residual CNN U-Net from nnU-Net plans with Mamba layers at the
// bottleneck (Bot) or after encoder stages (Enc).
#include <memory>

#include "krait/models/networks/network.h"

namespace krait::models {

struct UMambaOptions {
  bool mambaInEncoder = false;  // false: UMambaBot, true: UMambaEnc
  int dims = 3;
  int64_t inputChannels = 1, numClasses = 2;
  std::vector<int64_t> features;                     // per stage
  std::vector<std::vector<int64_t>> kernels, strides;  // per stage
  std::vector<int64_t> blocksEncoder;                // n_conv_per_stage (before U-Mamba's reduction)
  std::vector<int64_t> blocksDecoder;                // n_conv_per_stage_decoder (idem)
  std::vector<int64_t> patchSize;                    // Enc: sizes its Mamba layers (channel tokens)
};

std::shared_ptr<Network> makeUMamba(UMambaOptions options);

}  // namespace krait::models
