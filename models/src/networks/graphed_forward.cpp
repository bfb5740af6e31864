#include "krait/models/networks/graphed_forward.h"

#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <torch/torch.h>

namespace krait::models {

struct GraphedForward::Capture {
  at::cuda::CUDAGraph graph;
  torch::Tensor input, output;
};

GraphedForward::GraphedForward(std::shared_ptr<Network> network) : network_(std::move(network)) {}

GraphedForward::~GraphedForward() = default;

torch::Tensor GraphedForward::operator()(const torch::Tensor& input) {
  auto key = std::make_pair(input.sizes().vec(), static_cast<int>(input.scalar_type()));
  auto it = captures_.find(key);
  if (it == captures_.end()) {
    try {
      it = captures_.emplace(key, capture(input)).first;
    } catch (const c10::OutOfMemoryError&) {
      // A graph keeps its own memory besides the cached blocks of the eager forwards: where that does not fit,
      // this shape's forward stays eager (and the caller's out-of-memory handling sees its errors), while the
      // smaller batch a caller falls back to may still get its graph.
      it = captures_.emplace(std::move(key), nullptr).first;
      c10::cuda::CUDACachingAllocator::emptyCache();
    }
  }
  if (!it->second) return network_->forward(input);
  Capture& c = *it->second;
  c.input.copy_(input);
  c.graph.replay();
  return c.output.clone();
}

std::unique_ptr<GraphedForward::Capture> GraphedForward::capture(const torch::Tensor& input) {
  const c10::cuda::CUDAGuard onDevice(input.device());
  auto c = std::make_unique<Capture>();
  c->input = input.clone();
  // CUDA captures on a stream other than the default one. Two eager forwards there first, so that cuDNN's
  // autotuning and the allocator's first allocations happen outside the capture.
  const at::cuda::CUDAStream side = at::cuda::getStreamFromPool();
  at::cuda::CUDAEvent inputReady;
  inputReady.record(at::cuda::getCurrentCUDAStream());
  inputReady.block(side);
  {
    const c10::cuda::CUDAStreamGuard onSide(side);
    for (int i = 0; i < 2; ++i) network_->forward(c->input);
    // Thread-local: a capture on one device's worker leaves the other workers' CUDA calls alone.
    c->graph.capture_begin({0, 0}, cudaStreamCaptureModeThreadLocal);
    try {
      c->output = network_->forward(c->input);
    } catch (...) {
      try {
        c->graph.capture_end();  // leaves the stream's capture mode; the graph itself is invalid
      } catch (...) {
      }
      throw;
    }
    c->graph.capture_end();
  }
  side.synchronize();
  return c;
}

}  // namespace krait::models
