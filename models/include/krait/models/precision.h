#pragma once
// The precision a network runs in. Reduced precision converts the convolutions and the norms' affine parameters;
// the Mamba layers (U-Mamba's and LightM-UNet's MambaLayer, Swin-UMamba's SS2D: their LayerNorm, projections,
// causal convolution and the selective scan with its gate) stay fp32, as the official layers cast their input
// to float32, and so do the norms' statistics (computed in fp32 whatever the input type). Logits are
// accumulated in fp32.
#include <string>

#include <torch/types.h>

#include "krait/models/network.h"

namespace krait::models {

enum class Precision { Float32, Float16, BFloat16 };

// "fp32", "fp16", "bf16"; throws krait::Error(Usage) for anything else.
Precision parsePrecision(const std::string& text);
const char* precisionName(Precision precision);
torch::ScalarType scalarType(Precision precision);

// Converts a loaded network's parameters to `precision` (or any floating type), except inside
// FullPrecisionModules (layers.h).
void convertNetwork(Network& network, Precision precision);
void convertNetwork(Network& network, torch::ScalarType type);

}  // namespace krait::models
