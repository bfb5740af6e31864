#pragma once
// Autocast for CUDA ops within a scope, in fp16 or bf16 (inactive for fp32): how training runs the official
// trainers' mixed precision (torch.autocast), over LibTorch 1.13's and 2.x's different calls.
#include <torch/types.h>

namespace krait::models {

class AutocastScope {
 public:
  explicit AutocastScope(torch::ScalarType type);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_;
  bool previous_ = false;
};

}  // namespace krait::models
