#pragma once
// LightM-UNet (MrBlankness/LightM-UNet, nets/LightMUNet.py, layout of 2024-03-29 and later): MONAI
// SegResNet-style U-Net whose encoder blocks are Mamba layers ("RVM layers"), GroupNorm(8), ReLU, additive
// skips, linear upsampling.
#include <memory>

#include "krait/models/networks/network.h"

namespace krait::models {

struct LightMUNetOptions {
  int dims = 3;
  int64_t inputChannels = 1, numClasses = 2;
  int64_t initFilters = 32;  // what nnUNetTrainerLightMUNet builds
  std::vector<int64_t> blocksDown{1, 2, 2, 4}, blocksUp{1, 1, 1};
};

std::shared_ptr<Network> makeLightMUNet(LightMUNetOptions options);

}  // namespace krait::models
