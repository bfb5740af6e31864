#pragma once
// Device and precision names of the engine API, as LibTorch values.
#include <string>

#include <torch/types.h>

#include "krait/models/networks/precision.h"

namespace krait::engine {

// "cpu", "cuda", "cuda:N"; Error(Usage) for other names, Error(Input) when CUDA or that device is absent.
torch::Device parseDevice(const std::string& text);

// "fp32", "fp16", "bf16"; Error(Usage) for others and for reduced precision off a GPU, where LibTorch lacks
// some layers' kernels.
models::Precision parsePrecisionFor(const std::string& text, const torch::Device& device);

}  // namespace krait::engine
