#pragma once
// Swin-UMamba (SwinUMamba.py: VMamba encoder + MONAI UNETR-style CNN decoder) and Swin-UMamba†
// (SwinUMambaD.py: VMamba encoder + VSS decoder with patch expanding), JiarunLiu/Swin-UMamba. 2D only.
#include <memory>

#include "krait/models/networks/network.h"
#include "krait/models/networks/vmamba.h"

namespace krait::models {

struct SwinUMambaOptions {
  int64_t inputChannels = 3, numClasses = 2;
  std::vector<int64_t> features{48, 96, 192, 384, 768};  // CNN stem/skip widths; hidden size = the last
  VSSMEncoderOptions encoder{2, 48, {2, 2, 9, 2}, {96, 192, 384, 768}, 16};
};

struct SwinUMambaDOptions {
  int64_t numClasses = 2;
  VSSMEncoderOptions encoder{4, 3, {2, 2, 9, 2}, {96, 192, 384, 768}, 16};  // inputChannels: the image's
  int64_t decoderDepth = 2;
};

std::shared_ptr<Network> makeSwinUMamba(SwinUMambaOptions options);
std::shared_ptr<Network> makeSwinUMambaD(SwinUMambaDOptions options);

}  // namespace krait::models
