// The "1D-CNN ECG-Mamba" 12-lead ECG classifier (plugins.md section 1.2) in LibTorch: a convolutional stem
// (Conv1d -> BatchNorm1d -> ReLU per layer), a class token in the middle of the tokens, a learned position
// embedding, Vision Mamba blocks (RMSNorm -> bidirectional "bimamba v2" mixer, residual stream) and a linear
// head on the class token. Parameter names are those of the reference, tests/fixtures/ecg/ecg_mamba_reference.py
// (Vim's, plus patch_embed.* for the stem). Inference only, float32.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include <nlohmann/json_fwd.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <krait/plugin_mamba.hpp>

namespace krait::ecg {

// One direction's selective scan, shaped as mamba_ssm's (krait/plugin_scan.hpp's ScanInputs): the plugin runs it
// on Krait's own kernels through the host; its tests call Krait's scan directly.
using ScanInputs = plugin::ScanInputs;
using SelectiveScan = plugin::ScanFunction;

// One stem layer: Conv1d(previous channels -> channels, kernel, stride, padding) -> BatchNorm1d -> ReLU.
struct StemLayer {
  int64_t channels = 0, kernel = 0, stride = 0, padding = 0;
};

// The model spec's "architecture" object; each member's JSON key is in its comment. The paper's model:
// ecg_mamba_reference.py FULL_ARCHITECTURE.
struct EcgMambaConfig {
  int64_t inChannels = 0;        // in_channels
  int64_t inputLength = 0;       // input_length (samples; the position embedding ties the model to it)
  std::vector<StemLayer> stem;   // stem: [{"channels", "kernel", "stride", "padding"}, ...]
  bool stemConvBias = true;      // stem_conv_bias
  double stemBnEps = 1e-5;       // stem_bn_eps
  int64_t embedDim = 0;          // embed_dim (the last stem layer's channels)
  int64_t depth = 0;             // depth (blocks)
  int64_t dState = 0;            // d_state
  int64_t dConv = 0;             // d_conv
  int64_t expand = 0;            // expand (d_inner = expand * embed_dim)
  int64_t dtRank = 0;            // dt_rank
  double normEps = 1e-5;         // norm_eps (every RMSNorm)
  bool divideOut = true;         // divide_out: out_proj((y_f + y_b) / 2), else out_proj(y_f + y_b)
  int64_t clsTokenIndex = 0;     // cls_token_index (0 .. tokens())
  int64_t posEmbedLength = 0;    // pos_embed_length (tokens() + 1)
  int64_t numClasses = 0;        // num_classes
  // The JSON also has "bimamba_type", which must be "v2".

  // Every key is required. Throws std::invalid_argument naming the key, or what validate() finds.
  static EcgMambaConfig fromJson(const nlohmann::json& architecture);
  // Throws std::invalid_argument if the values cannot make a network (e.g. pos_embed_length != tokens() + 1).
  void validate() const;
  // The stem's output length for inputLength (0 if a layer's input is shorter than its kernel).
  int64_t tokens() const;
  int64_t dInner() const { return expand * embedDim; }
};

class RmsNorm;
class Block;

class EcgMamba : public torch::nn::Module {
 public:
  // Float32 parameters of the config's shapes, meaningless until loadStateDict; in eval mode (the stem's batch
  // norms use their running statistics). Throws std::invalid_argument for a config validate() refuses.
  EcgMamba(EcgMambaConfig config, SelectiveScan scan);

  const EcgMambaConfig& config() const { return config_; }

  // Strict, as PyTorch's load_state_dict(strict=True): exactly this module's parameters and buffers (the stem's
  // batch norms' running_mean, running_var, num_batches_tracked included), of their shapes; values are converted
  // to the parameters' types. Throws std::invalid_argument naming the missing, unexpected and misshapen keys,
  // and then changes nothing.
  void loadStateDict(const std::map<std::string, torch::Tensor>& stateDict);
  // readStateDictFile + loadStateDict; errors are FileErrors naming the file.
  void loadStateDictFile(const std::string& path);

  // x: (batch, in_channels, input_length) float32 -> logits (batch, num_classes); apply the sigmoid for
  // probabilities. Differentiable where autograd records and the scan is (the host's is); inference callers turn
  // autograd off. Throws std::invalid_argument for another shape.
  torch::Tensor forward(const torch::Tensor& x);

 private:
  EcgMambaConfig config_;
  SelectiveScan scan_;
  torch::nn::Sequential patchEmbed_{nullptr};
  torch::Tensor clsToken_, posEmbed_;
  torch::nn::ModuleList layers_{nullptr};
  std::shared_ptr<RmsNorm> normF_;
  torch::nn::Linear head_{nullptr};
};

// A state dict as ecg_mamba_reference.py's export_state_dict writes it: torch.save of a plain dict from names
// to CPU tensors, in torch.save's default zip format. LibTorch 1.13 (torch::pickle_load) cannot read the
// OrderedDict that model.state_dict() returns, nor the legacy (non-zip) format; re-save such files with
//   torch.save({k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}, path)
// Throws FileError naming the file and saying that.
std::map<std::string, torch::Tensor> readStateDictFile(const std::string& path);

}  // namespace krait::ecg
