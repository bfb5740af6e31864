#pragma once
// Everything nnU-Net's predictor takes from plans.json, dataset.json and the checkpoint to turn an image into
// a mask, apart from the network itself. models/plans.h fills it from the files; the engine only reads it.
#include <string>
#include <vector>

#include "krait/pipeline/resample.h"

namespace krait {

enum class NormalizationScheme { CT, ZScore, None, RescaleTo01, RGBTo01 };

// nnU-Net's class name for a scheme ("CTNormalization", ...) and back; throws Error(Input) for others.
NormalizationScheme normalizationSchemeFromName(const std::string& name);
const char* normalizationSchemeName(NormalizationScheme scheme);

struct ChannelNormalization {
  NormalizationScheme scheme = NormalizationScheme::ZScore;
  bool useMask = false;  // use_mask_for_norm: statistics and normalisation inside the non-zero mask only
  // foreground_intensity_properties_per_channel, used by CT normalisation
  double mean = 0.0, std = 1.0, lowerBound = 0.0, upperBound = 0.0;
};

struct InferencePlan {
  std::vector<int> transposeForward{0, 1, 2}, transposeBackward{0, 1, 2};
  std::vector<int64_t> patchSize;    // 2 entries for a 2D configuration, else 3 (transposed axes)
  std::vector<double> targetSpacing;  // as many entries as patchSize
  std::vector<ChannelNormalization> channels;
  ResamplingOptions dataResampling{3, 0, {}, 3.0};
  ResamplingOptions probabilityResampling{1, 0, {}, 3.0};
  int64_t segmentationHeads = 0;
  bool regions = false;
  std::vector<int> regionClassOrder;  // label written for each region head, in order (regions only)
  std::vector<int> mirrorAxes;        // the checkpoint's inference_allowed_mirroring_axes
  int dims() const { return static_cast<int>(patchSize.size()); }
};

}  // namespace krait
