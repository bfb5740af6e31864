// The engine's device path: the tile loop, the fold average and the export (order-1 resampling, argmax) on
// the GPU give the CPU's masks; the GPU resampling (every order) and preprocessing the CPU's values, bit for bit;
// the tile batch's fallback on a real out-of-memory.
#include <gtest/gtest.h>

#include <ATen/Context.h>
#include <torch/torch.h>

#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "krait/base/error.h"
#include "krait/base/stopwatch.h"
#include "krait/pipeline/preprocess.h"
#include "krait/pipeline/resample.h"
#include "krait/pipeline/sliding_window.h"
#include "krait/pipeline/segmentation_pipeline.h"

using namespace krait;

namespace {

// float64 data: no rounding to float32 hides a last-bit difference.
torch::Tensor resampledOn(const torch::Device& device, const ResamplingOptions& o, const std::vector<double>& from,
                          const std::vector<double>& to) {
  torch::manual_seed(3);
  const torch::Tensor data = torch::randn({3, 20, 31, 26}, torch::kDouble);
  return resampleToShape(data.to(device), {33, 29, 40}, from, to, o).cpu();
}

// A CT-like volume in HU: an elliptic body (soft tissue with noise, a bony rim) in noisy air.
torch::Tensor ctLike(int64_t z, int64_t y, int64_t x) {
  torch::manual_seed(9);
  const torch::Tensor yy = torch::linspace(-1.0, 1.0, y).view({1, y, 1});
  const torch::Tensor xx = torch::linspace(-1.0, 1.0, x).view({1, 1, x});
  const torch::Tensor r = yy.square() / 0.8 + xx.square() / 0.6;
  torch::Tensor v = torch::randn({z, y, x}) * 20.0 - 1000.0;
  v = torch::where(r < 1.0, torch::randn({z, y, x}) * 40.0 + 40.0, v);
  v = torch::where((r > 0.8) & (r < 0.9), torch::randn({z, y, x}) * 150.0 + 700.0, v);
  return v.unsqueeze(0);
}

double secondsOfPreprocess(const torch::Tensor& image, const std::vector<double>& spacing, const InferencePlan& plan,
                           const torch::Device& device, Preprocessed& out) {
  const auto start = std::chrono::steady_clock::now();
  out = preprocess(image, spacing, plan, device);
  if (device.is_cuda()) at::cuda::getCurrentCUDAStream().synchronize();
  return secondsSince(start);
}

}  // namespace

TEST(PipelineCuda, ResamplingOnTheGpuGivesTheCpuValues) {
  const std::vector<double> iso{1.0, 1.0, 1.0}, fine{0.7, 1.1, 0.65}, thick{4.0, 0.8, 0.8}, thin{2.4, 0.85, 0.6};
  for (const ResamplingOptions& o : {ResamplingOptions{1, 0, {}, 3.0}, ResamplingOptions{0, 0, {}, 3.0},
                                     ResamplingOptions{3, 0, {}, 3.0}, ResamplingOptions{2, 1, {}, 3.0},
                                     ResamplingOptions{3, 3, {}, 3.0}}) {
    SCOPED_TRACE(std::to_string(o.order) + "/" + std::to_string(o.orderZ));
    EXPECT_TRUE(torch::equal(resampledOn(torch::kCUDA, o, iso, fine), resampledOn(torch::kCPU, o, iso, fine)));
    // Anisotropic: every slice in plane, then the thick axis with order_z.
    EXPECT_TRUE(torch::equal(resampledOn(torch::kCUDA, o, thick, thin), resampledOn(torch::kCPU, o, thick, thin)));
  }
}

// Issue 24: a 512 x 512 x 300 CT preprocessed with --device cuda (CT normalisation, then order 3 in plane and
// order 0 along z) and a 3D order-3 case: the CPU's float32 values, bit for bit, left on the GPU. Prints both
// devices' times.
TEST(PipelineCuda, CtPreprocessingOnTheGpuGivesTheCpuValues) {
  InferencePlan plan;
  plan.channels = {ChannelNormalization{NormalizationScheme::CT, false, 40.0, 200.0, -1000.0, 1500.0}};
  struct Case {
    const char* name;
    torch::Tensor image;
    std::vector<double> spacing, target;
  };
  const Case cases[] = {
      {"separate z, 300 x 512 x 512 to 180 x 510 x 510", ctLike(300, 512, 512), {2.5, 0.7, 0.7},
       {2.5 * 300 / 180, 0.7 * 512 / 510, 0.7 * 512 / 510}},
      {"3D, 160 x 256 x 256 to 192 x 230 x 230", ctLike(160, 256, 256), {1.0, 0.9, 0.9}, {1.0 * 160 / 192, 1.0, 1.0}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    plan.targetSpacing = c.target;
    Preprocessed cpu, gpu;
    secondsOfPreprocess(c.image, c.spacing, plan, torch::kCUDA, gpu);  // warm-up
    const double gpuSeconds = secondsOfPreprocess(c.image, c.spacing, plan, torch::kCUDA, gpu);
    const double cpuSeconds = secondsOfPreprocess(c.image, c.spacing, plan, torch::kCPU, cpu);
    std::printf("preprocess %s: cpu %.3f s (%d threads), cuda %.3f s\n", c.name, cpuSeconds, at::get_num_threads(),
                gpuSeconds);
    ASSERT_TRUE(gpu.data.device().is_cuda());
    ASSERT_EQ(gpu.data.sizes(), cpu.data.sizes());
    EXPECT_TRUE(torch::equal(gpu.data.cpu(), cpu.data)) << (gpu.data.cpu() - cpu.data).abs().max().item<double>();
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

// Test-time mirroring on a GPU: a tile and its 7 mirrored copies go through the network in one call, with the
// logits of a call per copy (the CPU's way); a network that cannot take the 8 at once (out of memory) gets a call
// per copy, with the same logits.
TEST(PipelineCuda, MirroredCopiesShareOneNetworkCall) {
  at::globalContext().setAllowTF32CuDNN(false);
  torch::manual_seed(9);
  const torch::Tensor weight = torch::randn({3, 1, 3, 3, 3}), bias = torch::randn({3});
  const torch::Tensor image = torch::randn({1, 40, 50, 45});
  SlidingWindowOptions o;
  o.patchSize = {16, 32, 32};
  o.mirrorAxes = {0, 1, 2};
  const torch::Tensor want = predictSlidingWindow(image, 3, [&](const torch::Tensor& tiles) {
    EXPECT_EQ(tiles.size(0), 1);
    return torch::conv3d(tiles, weight, bias, 1, 1);
  }, o);
  o.device = torch::kCUDA;
  const torch::Tensor w = weight.cuda(), b = bias.cuda();
  for (const bool fits : {true, false}) {
    std::vector<int64_t> batches;
    const TilePredictor predictor = [&](const torch::Tensor& tiles) {
      batches.push_back(tiles.size(0));
      TORCH_CHECK_WITH(OutOfMemoryError, fits || tiles.size(0) == 1, "no room for 8 tiles");
      return torch::conv3d(tiles, w, b, 1, 1);
    };
    const torch::Tensor got = predictSlidingWindow(image.cuda(), 3, predictor, o).cpu();
    EXPECT_EQ(batches.front(), 8) << fits;
    if (!fits) {
      EXPECT_EQ(std::count(batches.begin(), batches.end(), 8), 1) << "one failed call of 8, then calls of 1";
    }
    EXPECT_TRUE(torch::allclose(got, want, 1e-3, 1e-3)) << fits << ": " << (got - want).abs().max().item<double>();
  }
}

// The warm-up (Segmenter's, while the first image is read) must call the network with the shape of the sliding
// window's calls on a GPU, the tile batch times the mirrored copies: a graph captured for any other shape would
// leave the first image's autotuning and capture where they were.
TEST(PipelineCuda, WarmUpHasTheShapeOfTheSlidingWindowsCalls) {
  SlidingWindowOptions o;
  o.patchSize = {8, 16, 16};
  o.mirrorAxes = {0, 1, 2};
  o.tileBatch = 2;
  o.device = torch::kCUDA;
  std::vector<std::vector<int64_t>> shapes;
  const TilePredictor predictor = [&](const torch::Tensor& tiles) {
    EXPECT_TRUE(tiles.is_cuda());
    shapes.push_back(tiles.sizes().vec());
    return tiles.narrow(1, 0, 1).repeat({1, 3, 1, 1, 1});
  };
  warmUpPredictor(predictor, 1, o);
  predictSlidingWindow(torch::rand({1, 20, 30, 30}).cuda(), 3, predictor, o);
  ASSERT_GE(shapes.size(), 2u);
  EXPECT_EQ(shapes[0], (std::vector<int64_t>{16, 1, 8, 16, 16}));
  EXPECT_EQ(shapes[1], shapes[0]);
}

// On a GPU every call has the tile batch's shape, the last one too (filled up with repeats of its last tile, whose
// extra logits are dropped): one autotuning and one graph capture per process, and the logits of one tile a call.
TEST(PipelineCuda, TheLastGroupOfTilesIsFilledUpToTheTileBatch) {
  at::globalContext().setAllowTF32CuDNN(false);
  torch::manual_seed(4);
  const torch::Tensor weight = torch::randn({3, 1, 3, 3, 3}).cuda(), bias = torch::randn({3}).cuda();
  std::vector<int64_t> batches;
  const TilePredictor predictor = [&](const torch::Tensor& tiles) {
    batches.push_back(tiles.size(0));
    return torch::conv3d(tiles, weight, bias, 1, 1);
  };
  const torch::Tensor image = torch::randn({1, 20, 30, 30}).cuda();  // 4 x 3 x 3 = 36 tiles
  SlidingWindowOptions o;
  o.patchSize = {8, 16, 16};
  o.device = torch::kCUDA;
  const torch::Tensor one = predictSlidingWindow(image, 3, predictor, o);
  ASSERT_EQ(batches.size(), 36u);
  batches.clear();
  o.tileBatch = 5;
  const torch::Tensor batched = predictSlidingWindow(image, 3, predictor, o);
  EXPECT_EQ(batches, std::vector<int64_t>(8, 5)) << "7 groups of 5 and the last one of 1, filled up";
  EXPECT_TRUE(torch::allclose(batched, one, 1e-3, 1e-3)) << (batched - one).abs().max().item<double>();
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
