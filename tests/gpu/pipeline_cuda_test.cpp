// The engine's device path: the tile loop, the fold average and the export (order-1 resampling, argmax) on
// the GPU give the CPU's masks, and the GPU resampling the CPU's float64 values; the tile batch's fallback on a
// real out-of-memory.
#include <gtest/gtest.h>

#include <ATen/Context.h>
#include <torch/torch.h>

#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>

#include "krait/base/error.h"
#include "krait/pipeline/resample.h"
#include "krait/pipeline/sliding_window.h"
#include "krait/pipeline/segmentation_pipeline.h"

using namespace krait;

namespace {

torch::Tensor resampledOn(const torch::Device& device, const ResamplingOptions& o, const std::vector<double>& from,
                          const std::vector<double>& to) {
  torch::manual_seed(3);
  const torch::Tensor data = torch::randn({3, 20, 31, 26});
  return resampleToShape(data.to(device), {33, 29, 40}, from, to, o).cpu();
}

}  // namespace

TEST(PipelineCuda, ResamplingOnTheGpuGivesTheCpuValues) {
  const std::vector<double> iso{1.0, 1.0, 1.0}, fine{0.7, 1.1, 0.65}, thick{4.0, 0.8, 0.8}, thin{2.4, 0.85, 0.6};
  for (const ResamplingOptions& o : {ResamplingOptions{1, 0, {}, 3.0}, ResamplingOptions{0, 0, {}, 3.0},
                                     ResamplingOptions{3, 0, {}, 3.0}}) {
    SCOPED_TRACE(o.order);
    EXPECT_TRUE(torch::equal(resampledOn(torch::kCUDA, o, iso, fine), resampledOn(torch::kCPU, o, iso, fine)));
    // Anisotropic: every slice in plane, then the thick axis with order_z.
    EXPECT_TRUE(torch::equal(resampledOn(torch::kCUDA, o, thick, thin), resampledOn(torch::kCPU, o, thick, thin)));
  }
}

TEST(PipelineCuda, TheWholePipelineOnTheGpuGivesTheCpuMask) {
  at::globalContext().setAllowTF32CuDNN(false);
  InferencePlan plan;
  plan.patchSize = {16, 32, 32};
  plan.targetSpacing = {2.0, 1.0, 1.0};  // the image is 1 x 1 x 1 mm: resampled down, exported back up
  plan.channels = {ChannelNormalization{}};
  plan.segmentationHeads = 3;
  plan.mirrorAxes = {0, 1, 2};
  torch::manual_seed(5);
  const torch::Tensor weight = torch::randn({3, 1, 3, 3, 3}), bias = torch::randn({3});
  const auto predictor = [&](const torch::Device& device) {
    return TilePredictor([w = weight.to(device), b = bias.to(device)](const torch::Tensor& tile) {
      return torch::conv3d(tile, w, b, 1, 1);
    });
  };
  const torch::Tensor image = torch::randn({1, 40, 70, 50}) * 100 + 50;
  PipelineOptions cpu, gpu;
  cpu.mirror = gpu.mirror = true;
  gpu.device = torch::kCUDA;
  const SegmentationResult want = runSegmentation(image, {1.0, 1.0, 1.0}, plan, {predictor(torch::kCPU)}, cpu);
  const SegmentationResult got = runSegmentation(image, {1.0, 1.0, 1.0}, plan, {predictor(torch::kCUDA)}, gpu);
  ASSERT_TRUE(got.labels.device().is_cpu());
  ASSERT_EQ(got.labels.sizes(), want.labels.sizes());
  // Convolutions on the two devices differ in the last bits: near-ties may flip, nothing more.
  const double equal = got.labels.eq(want.labels).to(torch::kDouble).mean().item<double>();
  EXPECT_GT(equal, 0.999);
  EXPECT_GT(std::get<0>(torch::_unique(want.labels.flatten())).numel(), 1);  // not one label
}

// --tile-batch's fallback on a real out-of-memory (issue 23): the caching allocator is capped so that a batch of
// 64 tiles, whose network needs 0.5 GiB of activations per tile, cannot fit; the loop halves the batch until it
// does and the logits equal those of one tile at a time. A tile that cannot fit even alone, with the accumulators
// moved to the host, ends in Error(Resources) (exit code 5) rather than a crash.
TEST(PipelineCuda, TileBatchHalvesOnOutOfMemoryAndGivesTheSameLogits) {
  at::globalContext().setAllowTF32CuDNN(false);
  torch::manual_seed(7);
  const torch::Tensor wide = torch::randn({512, 1, 3, 3, 3}).cuda() * 0.1, narrow = torch::randn({3, 512, 1, 1, 1}).cuda() * 0.1;
  int64_t largest = 0;
  const TilePredictor predictor = [&](const torch::Tensor& tiles) {
    torch::Tensor logits = torch::conv3d(torch::relu(torch::conv3d(tiles, wide, {}, 1, 1)), narrow);  // 512 x 64^3 floats per tile
    largest = std::max(largest, tiles.size(0));  // the largest batch that fitted
    return logits;
  };
  const torch::Tensor image = torch::randn({1, 160, 160, 160}).cuda();
  SlidingWindowOptions o;
  o.patchSize = {64, 64, 64};
  o.device = torch::kCUDA;
  const torch::Tensor one = predictSlidingWindow(image, 3, predictor, o);
  // The allocator's cap is a fraction of the device's memory: room for about 8 tiles' activations (a convolution's
  // output and its ReLU) next to what the allocator holds already.
  c10::cuda::CUDACachingAllocator::emptyCache();
  const double total = static_cast<double>(at::cuda::getDeviceProperties(0)->totalGlobalMem);
  const double held = static_cast<double>(c10::cuda::CUDACachingAllocator::getDeviceStats(0).reserved_bytes[0].current);
  const double fraction = (8.0 * 512 * 64 * 64 * 64 * 4 * 2 + held) / total;
  c10::cuda::CUDACachingAllocator::setMemoryFraction(fraction, 0);
  o.tileBatch = 64;
  largest = 0;
  const torch::Tensor batched = predictSlidingWindow(image, 3, predictor, o);
  EXPECT_LT(largest, 64) << "the cap did not bring an out-of-memory";
  EXPECT_GE(largest, 2) << "the batch fell further than it had to";
  EXPECT_TRUE(torch::allclose(batched, one, 1e-3, 1e-3)) << (batched - one).abs().max().item<double>();
  // One tile that needs more than the whole device.
  const TilePredictor huge = [](const torch::Tensor& tiles) {
    return torch::empty({int64_t{1} << 40}, tiles.options()).sum() + tiles.narrow(1, 0, 1).repeat({1, 3, 1, 1, 1});
  };
  try {
    predictSlidingWindow(image, 3, huge, o);
    FAIL() << "no out-of-memory";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Resources) << e.what();
    EXPECT_NE(std::string(e.what()).find("with the logits already on the host"), std::string::npos) << e.what();
  }
  c10::cuda::CUDACachingAllocator::setMemoryFraction(1.0, 0);
}
