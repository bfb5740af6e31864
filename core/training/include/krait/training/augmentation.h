#pragma once
// nnU-Net v2's training augmentation (nnUNetTrainer.get_training_transforms of 2.1.1, batchgenerators) on
// tensors of any device: spatial (rotation, scaling; dummy 2D for anisotropic patches), Gaussian noise, blur,
// multiplicative brightness, contrast, low resolution, gamma (inverted and not), mirroring, then -1 labels to 0
// and the deep supervision targets. Parameters are drawn per sample and channel as the official transforms do,
// from the caller's generator.
#include <torch/types.h>

#include <array>
#include <random>
#include <vector>

namespace krait::training {

using Range = std::array<double, 2>;

struct AugmentationOptions {
  std::vector<int64_t> patchSize;  // the final patch (spatial); its length is the configuration's dimension
  Range rotationX{}, rotationY{}, rotationZ{};  // radians; a 2D patch rotates by rotationX only
  bool dummy2D = false;  // rotate and scale the last two axes only (do_dummy_2d_data_aug)
  std::vector<int> mirrorAxes;  // spatial axes
  std::vector<std::vector<double>> deepSupervisionScales;  // one factor per spatial axis each; empty: no DS

  // The official probabilities and ranges (p: per sample unless named per channel or axis).
  double pRotation = 0.2, pScale = 0.2;
  Range scale{0.7, 1.4};
  double pNoise = 0.1;
  Range noiseStd{0.0, 0.1};  // batchgenerators calls it the variance but passes it as the standard deviation
  double pBlur = 0.2, pBlurPerChannel = 0.5;
  Range blurSigma{0.5, 1.0};
  double pBrightness = 0.15;
  Range brightness{0.75, 1.25};
  double pContrast = 0.15;
  Range contrast{0.75, 1.25};
  double pLowResolution = 0.25, pLowResolutionPerChannel = 0.5;
  Range lowResolutionZoom{0.5, 1.0};
  double pGammaInverted = 0.1, pGamma = 0.3;
  Range gamma{0.7, 1.5};
  double pMirrorPerAxis = 0.5;
};

// nnUNetTrainer.configure_rotation_dummyDA_mirroring_and_inital_patch_size for a patch size (2 or 3 axes):
// the rotation ranges, dummy 2D when the first axis is over 3 times shorter than the longest, all axes mirrored.
AugmentationOptions nnunetAugmentation(const std::vector<int64_t>& patchSize,
                                       std::vector<std::vector<double>> deepSupervisionScales = {});

// The validation transforms of the same configuration (get_validation_transforms): every random transform and
// mirroring off, leaving the centre crop, -1 to 0 and the deep-supervision targets.
AugmentationOptions validationAugmentation(AugmentationOptions training);

// nnUNetTrainer._get_deep_supervision_scales: 1 / cumulative product of the pooling kernels, less the last.
std::vector<std::vector<double>> deepSupervisionScales(const std::vector<std::vector<int64_t>>& poolOpKernelSizes);

// compute_initial_patch_size.get_patch_size as the trainer calls it: the larger patch the loader crops so that
// rotation and scaling leave no empty corners.
std::vector<int64_t> initialPatchSize(const AugmentationOptions& options);

struct AugmentedBatch {
  torch::Tensor data;                  // (B, C, *patchSize) float32
  std::vector<torch::Tensor> targets;  // (B, Cs, *scaled patch) float32 per deep supervision scale, or one
};

// data: (B, C, *spatial) and seg: (B, Cs, *spatial) label values, -1 outside the image's non-zero region, with
// spatial at least patchSize (the loader gives initialPatchSize). The result lies on the input's device.
AugmentedBatch augmentBatch(const torch::Tensor& data, const torch::Tensor& seg, const AugmentationOptions& options,
                            std::mt19937_64& rng);

}  // namespace krait::training
