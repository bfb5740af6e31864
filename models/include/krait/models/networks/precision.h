#pragma once
// The precision a network runs in. Reduced precision converts the convolutions (weights and activations) as
// nnU-Net's autocast runs them. The norms' affine parameters stay fp32 and their statistics are fp32 whatever
// the input type. The Mamba layers follow the official code under autocast (FullPrecisionModule, layers.h):
// U-Mamba's MambaLayer turns autocast off and stays fp32 throughout; LightM-UNet's MambaLayer and Swin-UMamba's
// SS2D only cast their input to float32, so their projections and convolutions run in the reduced type too, and
// only their norms, the scan's state (and SS2D's scan) and the parameters read as float stay fp32.
// Logits are accumulated in fp32.
#include <string>

#include <torch/types.h>

#include "krait/models/networks/network.h"

namespace krait::models {

enum class Precision { Float32, Float16, BFloat16 };

// "fp32", "fp16", "bf16"; throws krait::Error(Usage) for anything else.
Precision parsePrecision(const std::string& text);
const char* precisionName(Precision precision);
torch::ScalarType scalarType(Precision precision);

// Converts a loaded network's parameters to `precision` (or any floating type), except the norms' and those
// the Mamba layers keep (FullPrecisionModule::keepsFloat32, layers.h).
void convertNetwork(Network& network, Precision precision);
void convertNetwork(Network& network, torch::ScalarType type);

// Stores the convolution weights channels-last, so that cuDNN's convolutions take and give channels-last
// activations (its reduced-precision kernels need them; in the default layout every convolution converts its
// input and output), and the norms (normalizeGroups) keep that layout. A network with grouped (depthwise)
// convolutions is left as it is (false): PyTorch's depthwise kernels would convert every tensor back.
bool useChannelsLast(Network& network);

}  // namespace krait::models
