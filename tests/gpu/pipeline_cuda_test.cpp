// The engine's device path: the tile loop, the fold average and the export (order-1 resampling, argmax) on
// the GPU give the CPU's masks, and the GPU resampling the CPU's float64 values.
#include <gtest/gtest.h>

#include <ATen/Context.h>
#include <torch/torch.h>

#include "krait/pipeline/resample.h"
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
