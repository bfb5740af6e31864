#pragma once
// CUDA builds only (KRAIT_WITH_CUDA).
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "krait/models/networks/network.h"

namespace krait::models {

// A network's forward on a CUDA device replayed from a CUDA graph, captured at the first input of each shape
// and type: one launch instead of hundreds of kernel launches, whose host-side cost exceeds the GPU work of the
// smaller networks (a Swin-UMamba tile is over 800 kernels). The input is copied into the graph's static input
// and the output cloned out of the graph's memory, which the next replay overwrites. Holds the memory of one
// forward per captured shape; where a capture runs out of memory, the forward of that shape stays eager. Used
// from one thread at a time.
class GraphedForward {
 public:
  explicit GraphedForward(std::shared_ptr<Network> network);
  ~GraphedForward();
  GraphedForward(const GraphedForward&) = delete;
  GraphedForward& operator=(const GraphedForward&) = delete;

  torch::Tensor operator()(const torch::Tensor& input);

 private:
  struct Capture;
  std::unique_ptr<Capture> capture(const torch::Tensor& input);

  std::shared_ptr<Network> network_;
  // By input shape and type; null where the capture ran out of memory (that shape runs eagerly).
  std::map<std::pair<std::vector<int64_t>, int>, std::unique_ptr<Capture>> captures_;
};

}  // namespace krait::models
