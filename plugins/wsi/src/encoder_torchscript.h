// Any patch encoder exported as TorchScript (torch.jit.script or trace, then .save): UNI, CONCH's image tower, a
// timm model... The module receives the normalised batch and must return one feature vector per patch, as
// (N, D) or (N, D, 1, ..., 1) (a pooled map); a larger spatial map is refused, not flattened into a feature.
#pragma once

#include <torch/script.h>

#include "encoder.h"

namespace krait::wsi {

class TorchScriptEncoder : public Encoder {
 public:
  // Loads spec.path on the CPU, in eval mode, and runs it once on a zero batch to learn D, which must equal
  // spec.outDim when that is not 0. Throws EncoderError naming the file: LibTorch 1.13 cannot read it (e.g. saved
  // by a newer PyTorch), it fails at spec.inputSize, or returns something else than one vector per patch.
  explicit TorchScriptEncoder(const EncoderSpec& spec);
  int64_t outDim() const override { return outDim_; }

 private:
  torch::Tensor forward(const torch::Tensor& normalised) override;
  void moveNetwork(torch::Device device) override { module_.to(device); }
  torch::jit::Module module_;
  int64_t outDim_ = 0;
};

}  // namespace krait::wsi
