// The slide-level aggregators of MambaMIL's official code (isyangshu/MambaMIL, models/MambaMIL.py and
// models/ABMIL.py; plugins.md section 4.1) in LibTorch, with the official parameter names, so that the state
// dicts its training saves (torch.save(model.state_dict())) load by key, strictly:
//   MambaMIL: _fc1 (Linear in_dim -> 512, GELU or ReLU), `layers` x [LayerNorm -> mixer, residual], norm, attention
//             pooling (Linear 512 -> 128, tanh, Linear 128 -> 1, softmax over the bag), classifier. Mixers:
//             SRMamba (a forward scan plus a scan of the bag re-ordered with stride `rate`, summed), BiMamba (a
//             forward and a flipped scan, summed), Mamba (one forward scan), all as mamba_ssm's CUDA fast path.
//   ABMIL:    DAttention: feature (Linear in_dim -> 512, ReLU), the same attention pooling, classifier.0.
// Inference on one bag; the attention MambaMIL's forward computes but does not return (A_raw = None) is returned.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <krait/plugin_mamba.hpp>
#include <nlohmann/json_fwd.hpp>

#include <map>
#include <string>
#include <vector>

namespace krait::wsi {

// The model spec's "aggregator" object; each member's JSON key in its comment.
struct MilConfig {
  std::string kind = "mambamil";  // kind: "mambamil" or "abmil"
  std::string mixer = "SRMamba";  // mixer (MambaMIL's --mambamil_type): "SRMamba", "BiMamba" or "Mamba"
  int64_t inDim = 0;              // in_dim: the encoder's feature size
  int64_t numClasses = 0;         // num_classes
  int64_t layers = 2;             // layers (--mambamil_layer)
  int64_t rate = 10;              // rate (--mambamil_rate; the released scripts use 5)
  std::string activation = "gelu";  // activation of _fc1: "gelu" (MambaMIL) or "relu" (ABMIL)
  int64_t dModel = 512;           // d_model: the official code's is 512 (its L); smaller ones train on a CPU
  // Fixed by the official code: d_state 16, d_conv 4, expand 2, dt_rank ceil(d_model / 16), attention 128.

  // Every key but layers, rate, activation and d_model is required. Throws std::invalid_argument naming what is wrong.
  static MilConfig fromJson(const nlohmann::json& aggregator);
  nlohmann::json toJson() const;
  void validate() const;
};

// SRMamba's re-ordering of a bag of `length` tokens at `rate`: the bag is zero-padded to a multiple of rate, laid
// out as rows of `rate` tokens, and read column by column. Index i of the result is the padded position scanned
// i-th (positions >= length are pads). MambaMIL's TransposeTokenReEmbedding.
std::vector<int64_t> srMambaOrder(int64_t length, int64_t rate);

struct MilOutput {
  torch::Tensor logits;       // (num_classes)
  torch::Tensor probabilities;  // softmax of the logits
  torch::Tensor attention;    // (N): the softmax attention of each patch (of its mixed token, for MambaMIL)
};

class MilModel : public torch::nn::Module {
 public:
  // Float32 parameters of the config's shapes, meaningless until loaded; scan is the selective scan the Mamba
  // mixers run (the host's in the plugin, Krait's own in tests). Throws std::invalid_argument for a bad config.
  MilModel(MilConfig config, plugin::ScanFunction scan);
  const MilConfig& config() const { return config_; }

  // Strict, as load_state_dict(strict=True): exactly this model's parameters, of their shapes. Throws
  // std::invalid_argument naming the missing, unexpected and misshapen keys, and then changes nothing.
  void loadStateDict(const std::map<std::string, torch::Tensor>& stateDict);
  // features: (N, in_dim) or (1, N, in_dim) float32 on the model's device; N >= 1. Differentiable.
  MilOutput forward(const torch::Tensor& features);

 private:
  MilConfig config_;
  plugin::ScanFunction scan_;
  torch::nn::Sequential fc1_{nullptr};
  torch::nn::ModuleList layers_{nullptr};
  torch::nn::Sequential attention_{nullptr}, classifier_{nullptr};
  torch::nn::Linear head_{nullptr};
  torch::nn::LayerNorm norm_{nullptr};
};

}  // namespace krait::wsi
