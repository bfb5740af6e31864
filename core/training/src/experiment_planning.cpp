// Port of nnU-Net 2.1.1's experiment planning (experiment_planners/default_experiment_planner.py,
// network_topology.py, the statistics of dataset_fingerprint/fingerprint_extractor.py) and of
// dynamic_network_architectures' PlainConvUNet.compute_conv_feature_map_size. Every step reproduces numpy's
// arithmetic (types, rounding, order of operations) because the plans feed back into decisions (patch size
// shrinking, batch size rounding) where one ulp can flip the result. Hence no -ffast-math and no FMA contraction.
#include "krait/training/experiment_planning.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "krait/base/error.h"

namespace krait::training {
namespace {

using nlohmann::json;

// ExperimentPlanner's constants.
constexpr double kAnisotropyThreshold = 3;  // nnunetv2.configuration.ANISO_THRESHOLD
constexpr int64_t kFeatureMapMinEdgeLength = 4;
constexpr int64_t kBaseFeatures = 32;
constexpr int64_t kMaxFeatures2d = 512, kMaxFeatures3d = 320;
constexpr int64_t kConvsPerStage = 2;       // UNet_blocks_per_stage_encoder / _decoder
constexpr double kReferenceVram2d = 85000000, kReferenceVram3d = 560000000;
constexpr double kReferenceGB = 8;
constexpr int64_t kReferenceBatch2d = 12, kReferenceBatch3d = 2;
constexpr int64_t kMinBatchSize = 2;
constexpr double kLowresCreationThreshold = 0.25;

[[noreturn]] void refuse(const std::string& message) {
  throw Error(ErrorKind::Input, "experiment planning: " + message);
}

// Python's round() and np.round: half to even (the default rounding mode).
int64_t roundHalfEven(double x) { return static_cast<int64_t>(std::nearbyint(x)); }

// numpy's pairwise summation of float32 (loops_utils.h: 8 accumulators in blocks of up to 128, halves above).
float pairwiseSum(const float* a, size_t n) {
  if (n < 8) {
    float sum = 0;
    for (size_t i = 0; i < n; ++i) sum += a[i];
    return sum;
  }
  if (n <= 128) {
    float r[8];
    std::copy(a, a + 8, r);
    size_t i = 8;
    for (; i < n - n % 8; i += 8)
      for (size_t j = 0; j < 8; ++j) r[j] += a[i + j];
    float sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) sum += a[i];
    return sum;
  }
  size_t half = n / 2;
  half -= half % 8;
  return pairwiseSum(a, half) + pairwiseSum(a + half, n - half);
}

// np.add.reduce of a float32 array: the reduction runs over buffers of 8192 elements, each summed pairwise.
constexpr size_t kNumpyBufferSize = 8192;
template <class Transform>
float numpySum(const std::vector<float>& v, Transform transform) {
  float sum = 0, buffer[kNumpyBufferSize];
  for (size_t start = 0; start < v.size(); start += kNumpyBufferSize) {
    const size_t n = std::min(kNumpyBufferSize, v.size() - start);
    for (size_t i = 0; i < n; ++i) buffer[i] = transform(v[start + i]);
    sum += pairwiseSum(buffer, n);
  }
  return sum;
}

// np.median of sorted values: the mean of the middle one or two, summed in Acc (float32 for float32 data, else
// float64) and divided in float64 (numpy divides a scalar sum by an intp count).
template <class Acc, class T>
double medianOfSorted(const std::vector<T>& sorted) {
  const size_t n = sorted.size();
  if (n % 2) return static_cast<double>(sorted[n / 2]);
  const Acc sum = Acc(0) + static_cast<Acc>(sorted[n / 2 - 1]) + static_cast<Acc>(sorted[n / 2]);
  return static_cast<Acc>(static_cast<double>(sum) / 2);
}

// np.percentile(v, q), method 'linear', of sorted values: numpy's _lerp, whose b - a is taken in the data's type.
template <class T>
double percentileOfSorted(const std::vector<T>& sorted, double q) {
  const size_t n = sorted.size();
  const double index = static_cast<double>(n - 1) * (q / 100);
  if (index >= static_cast<double>(n - 1)) return static_cast<double>(sorted[n - 1]);
  const double below = std::floor(index), gamma = index - below;
  const T a = sorted[static_cast<size_t>(below)], b = sorted[static_cast<size_t>(below) + 1];
  const double difference = static_cast<double>(static_cast<T>(b - a));
  return gamma >= 0.5 ? static_cast<double>(b) - difference * (1 - gamma) : static_cast<double>(a) + difference * gamma;
}

// Column `axis` of per-case vectors, sorted.
template <class T>
std::vector<T> sortedColumn(const std::vector<std::vector<T>>& rows, size_t axis) {
  std::vector<T> column;
  for (const auto& row : rows) column.push_back(row[axis]);
  std::sort(column.begin(), column.end());
  return column;
}

template <class T>
std::vector<double> columnMedians(const std::vector<std::vector<T>>& rows) {
  std::vector<double> out;
  for (size_t axis = 0; axis < 3; ++axis) out.push_back(medianOfSorted<double>(sortedColumn(rows, axis)));
  return out;
}

// np.prod: sequential products in float64.
template <class T>
double product(const std::vector<T>& v) {
  double p = 1;
  for (T x : v) p *= static_cast<double>(x);
  return p;
}

template <class T>
std::vector<T> permuted(const std::vector<T>& v, const std::vector<int64_t>& order) {
  std::vector<T> out;
  for (int64_t i : order) out.push_back(v[static_cast<size_t>(i)]);
  return out;
}

size_t argmax(const std::vector<double>& v) { return static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin()); }

// determine_fullres_target_spacing: the median spacing, except that a much coarser axis with few voxels gets the
// 10th percentile of its spacings (never finer than the other axes), so that thick-slice cases are not upsampled.
std::vector<double> fullresTargetSpacing(const DatasetFingerprint& fp) {
  std::vector<double> target, targetSize;
  for (size_t axis = 0; axis < 3; ++axis) {
    target.push_back(percentileOfSorted(sortedColumn(fp.spacings, axis), 50));
    targetSize.push_back(percentileOfSorted(sortedColumn(fp.shapesAfterCrop, axis), 50));
  }
  const size_t worst = argmax(target);
  double maxOtherSpacing = 0, minOtherSize = INFINITY;
  for (size_t axis = 0; axis < 3; ++axis)
    if (axis != worst) {
      maxOtherSpacing = std::max(maxOtherSpacing, target[axis]);
      minOtherSize = std::min(minOtherSize, targetSize[axis]);
    }
  const bool anisotropicSpacing = target[worst] > kAnisotropyThreshold * maxOtherSpacing;
  const bool anisotropicVoxels = targetSize[worst] * kAnisotropyThreshold < minOtherSize;
  if (anisotropicSpacing && anisotropicVoxels) {
    double spacing = percentileOfSorted(sortedColumn(fp.spacings, worst), 10);
    if (spacing < maxOtherSpacing) spacing = std::max(maxOtherSpacing, spacing) + 1e-5;
    target[worst] = spacing;
  }
  return target;
}

// network_topology.get_pool_and_conv_props (max_numpool is always 999999 in the planner, so no limit here).
struct Topology {
  std::vector<int64_t> numPoolPerAxis;
  std::vector<std::vector<int64_t>> poolKernels, convKernels;
  std::vector<int64_t> patchSize, mustBeDivisibleBy;
};

Topology poolAndConvProps(const std::vector<double>& spacing, const std::vector<double>& patchSize) {
  const size_t dims = spacing.size();
  std::vector<double> currentSpacing = spacing, currentSize = patchSize;
  Topology t;
  t.numPoolPerAxis.assign(dims, 0);
  t.poolKernels.push_back(std::vector<int64_t>(dims, 1));
  std::vector<int64_t> kernel(dims, 1);
  while (true) {
    // pool along axes that stay >= 2 * min edge length and are within a factor 2 of the finest such axis
    std::vector<size_t> valid;
    double minSpacing = INFINITY;
    for (size_t d = 0; d < dims; ++d)
      if (currentSize[d] >= 2 * kFeatureMapMinEdgeLength) {
        valid.push_back(d);
        minSpacing = std::min(minSpacing, currentSpacing[d]);
      }
    if (valid.empty()) break;
    std::erase_if(valid, [&](size_t d) { return !(currentSpacing[d] / minSpacing < 2); });
    // a single pooled axis needs room for one more halving
    if (valid.size() == 1 && !(currentSize[valid[0]] >= 3 * kFeatureMapMinEdgeLength)) break;

    // 3 once the axis is within a factor 2 of the finest spacing, then 3 for good
    const double finest = *std::min_element(currentSpacing.begin(), currentSpacing.end());
    for (size_t d = 0; d < dims; ++d)
      if (kernel[d] != 3 && currentSpacing[d] / finest < 2) kernel[d] = 3;

    std::vector<int64_t> pool(dims, 1);
    for (size_t d : valid) {
      pool[d] = 2;
      ++t.numPoolPerAxis[d];
      currentSpacing[d] *= 2;
      currentSize[d] = std::ceil(currentSize[d] / 2);
    }
    t.poolKernels.push_back(pool);
    t.convKernels.push_back(kernel);
  }
  t.convKernels.push_back(std::vector<int64_t>(dims, 3));  // bottleneck
  for (size_t d = 0; d < dims; ++d) {
    // pad_shape: up to the next multiple (float shapes are possible: medians of an even number of cases)
    const auto divisor = int64_t{1} << t.numPoolPerAxis[d];
    const double remainder = std::fmod(patchSize[d], static_cast<double>(divisor));
    double padded = patchSize[d] + static_cast<double>(divisor) - remainder;
    if (remainder == 0) padded -= static_cast<double>(divisor);
    t.mustBeDivisibleBy.push_back(divisor);
    t.patchSize.push_back(static_cast<int64_t>(padded));
  }
  return t;
}

std::vector<int64_t> featuresPerStage(size_t stages, size_t dims) {
  std::vector<int64_t> features;
  for (size_t s = 0; s < stages; ++s)
    features.push_back(std::min(dims == 2 ? kMaxFeatures2d : kMaxFeatures3d, kBaseFeatures << s));
  return features;
}

// PlainConvUNet.compute_conv_feature_map_size (no deep supervision): the output voxels x channels of every
// convolution, transposed convolution and the final segmentation layer.
int64_t convFeatureMapSize(const Topology& t, int64_t numLabels) {
  const size_t stages = t.poolKernels.size();
  const std::vector<int64_t> features = featuresPerStage(stages, t.patchSize.size());
  std::vector<std::vector<int64_t>> sizes;  // after each encoder stage's stride
  std::vector<int64_t> size = t.patchSize;
  int64_t total = 0;
  for (size_t s = 0; s < stages; ++s) {
    for (size_t d = 0; d < size.size(); ++d) size[d] /= t.poolKernels[s][d];
    sizes.push_back(size);
    total += kConvsPerStage * features[s] * static_cast<int64_t>(product(size));
  }
  for (size_t s = 0; s + 1 < stages; ++s) {  // decoder, from the bottleneck up
    const size_t skip = stages - 2 - s;
    const auto voxels = static_cast<int64_t>(product(sizes[skip]));
    total += (kConvsPerStage + 1) * features[skip] * voxels;  // convolutions and the transposed convolution
    if (skip == 0) total += numLabels * voxels;
  }
  return total;
}

std::string normalizationScheme(const std::string& channelName) {
  static const std::map<std::string, std::string> schemes = {
      {"CT", "CTNormalization"}, {"noNorm", "NoNormalization"}, {"zscore", "ZScoreNormalization"},
      {"rescale_to_0_1", "RescaleTo01Normalization"}, {"rgb_to_0_1", "RGBTo01Normalization"}};
  const auto it = schemes.find(channelName);
  return it == schemes.end() ? "ZScoreNormalization" : it->second;
}

json resamplingKwargs(bool isSeg, int order) {
  return {{"is_seg", isSeg}, {"order", order}, {"order_z", 0}, {"force_separate_z", nullptr}};
}

// get_plans_for_configuration: the largest patch (aspect ratio of the spacing, at most the median shape) whose
// estimated feature maps fit the VRAM target, then the batch size that fills the rest (at most 5 % of the data).
json planConfiguration(const std::vector<double>& spacing, const std::vector<double>& medianShape,
                       const std::string& configuration, double approximateVoxelsInDataset,
                       const DatasetFingerprint& fp, const PlanningRequest& request) {
  const size_t dims = spacing.size();
  std::vector<double> inverse;
  for (double s : spacing) inverse.push_back(1 / s);
  const double scale = dims == 3 ? std::pow(16777216.0 / product(inverse), 1.0 / 3)   // volume of 256^3
                                 : std::pow(4194304.0 / product(inverse), 1.0 / 2);   // area of 2048^2
  std::vector<double> initialPatch;
  for (size_t d = 0; d < dims; ++d)
    initialPatch.push_back(std::min(static_cast<double>(roundHalfEven(inverse[d] * scale)), medianShape[d]));

  Topology t = poolAndConvProps(spacing, initialPatch);
  int64_t estimate = convFeatureMapSize(t, request.numLabels);
  const double reference =
      (dims == 2 ? kReferenceVram2d : kReferenceVram3d) * (request.gpuMemoryTargetGB / kReferenceGB);
  while (static_cast<double>(estimate) > reference) {
    // shrink the axis largest relative to the median shape (np.argsort(...)[-1]: the last of equal ratios)
    size_t axis = 0;
    for (size_t d = 0; d < dims; ++d)
      if (static_cast<double>(t.patchSize[d]) / medianShape[d] >=
          static_cast<double>(t.patchSize[axis]) / medianShape[axis])
        axis = d;
    // by the divisor of the shrunk shape, so that no valid size is skipped (e.g. 224 between 256 and 192)
    std::vector<double> shrunk(t.patchSize.begin(), t.patchSize.end());
    shrunk[axis] -= static_cast<double>(t.mustBeDivisibleBy[axis]);
    std::vector<double> patch(t.patchSize.begin(), t.patchSize.end());
    patch[axis] -= static_cast<double>(poolAndConvProps(spacing, shrunk).mustBeDivisibleBy[axis]);
    t = poolAndConvProps(spacing, patch);
    estimate = convFeatureMapSize(t, request.numLabels);
  }
  if (estimate <= 0) refuse("the GPU memory target is too small for any patch");

  const int64_t referenceBatch = dims == 2 ? kReferenceBatch2d : kReferenceBatch3d;
  const int64_t batchForVram = roundHalfEven(reference / static_cast<double>(estimate) * static_cast<double>(referenceBatch));
  const int64_t batchFor5Percent = roundHalfEven(approximateVoxelsInDataset * 0.05 / product(t.patchSize));
  const int64_t batchSize = std::max(std::min(batchForVram, batchFor5Percent), kMinBatchSize);

  std::vector<std::string> schemes;
  std::vector<bool> useMask;
  for (const std::string& name : request.channelNames) {
    schemes.push_back(normalizationScheme(name));
    // only z-scoring leaves the voxels outside the mask at zero; worth it when cropping removed much background
    useMask.push_back(fp.medianRelativeSizeAfterCropping < 3 / 4.0 && schemes.back() == "ZScoreNormalization");
  }
  const size_t stages = t.poolKernels.size();
  return {
      {"data_identifier", request.plansName + "_" + configuration},
      {"preprocessor_name", "DefaultPreprocessor"},
      {"batch_size", batchSize},
      {"patch_size", t.patchSize},
      {"median_image_size_in_voxels", medianShape},
      {"spacing", spacing},
      {"normalization_schemes", schemes},
      {"use_mask_for_norm", useMask},
      {"UNet_class_name", "PlainConvUNet"},
      {"UNet_base_num_features", kBaseFeatures},
      {"n_conv_per_stage_encoder", std::vector<int64_t>(stages, kConvsPerStage)},
      {"n_conv_per_stage_decoder", std::vector<int64_t>(stages - 1, kConvsPerStage)},
      {"num_pool_per_axis", t.numPoolPerAxis},
      {"pool_op_kernel_sizes", t.poolKernels},
      {"conv_kernel_sizes", t.convKernels},
      {"unet_max_num_features", dims == 3 ? kMaxFeatures3d : kMaxFeatures2d},
      {"resampling_fn_data", "resample_data_or_seg_to_shape"},
      {"resampling_fn_seg", "resample_data_or_seg_to_shape"},
      {"resampling_fn_data_kwargs", resamplingKwargs(false, 3)},
      {"resampling_fn_seg_kwargs", resamplingKwargs(true, 1)},
      {"resampling_fn_probabilities", "resample_data_or_seg_to_shape"},
      {"resampling_fn_probabilities_kwargs", resamplingKwargs(false, 1)},
  };
}

json intensitiesJson(const ChannelIntensities& c) {
  return {{"mean", c.mean}, {"median", c.median}, {"std", c.std}, {"min", c.min}, {"max", c.max},
          {"percentile_99_5", c.percentile99_5}, {"percentile_00_5", c.percentile00_5}};
}

void validate(const DatasetFingerprint& fp, const PlanningRequest& request) {
  if (fp.spacings.empty()) refuse("the fingerprint has no cases");
  if (fp.spacings.size() != fp.shapesAfterCrop.size()) refuse("the fingerprint needs as many spacings as shapes");
  for (size_t i = 0; i < fp.spacings.size(); ++i) {
    if (fp.spacings[i].size() != 3 || fp.shapesAfterCrop[i].size() != 3)
      refuse("case " + std::to_string(i) + " needs a 3-axis spacing and shape");
    for (size_t d = 0; d < 3; ++d)
      if (!(fp.spacings[i][d] > 0) || !std::isfinite(fp.spacings[i][d]) || fp.shapesAfterCrop[i][d] < 1)
        refuse("case " + std::to_string(i) + " has a spacing or shape that is not positive");
  }
  if (request.channelNames.empty()) refuse("no channel names");
  if (fp.channels.size() != request.channelNames.size())
    refuse("the fingerprint has intensities of " + std::to_string(fp.channels.size()) + " channels, the dataset " +
           std::to_string(request.channelNames.size()));
  if (request.numLabels < 1) refuse("no labels");
  if (request.numTraining < 1) refuse("numTraining must be positive");
  if (!(request.gpuMemoryTargetGB > 0)) refuse("the GPU memory target must be positive");
  for (const std::string& c : request.configurations)
    if (c != "2d" && c != "3d_fullres") refuse("configuration " + c + " is not planned (only 2d and 3d_fullres)");
}

// reader_writer_registry: the reader dataset.json names, else the first of LIST_OF_IO_CLASSES that takes the file
// ending (nnU-Net also tries to open an example image; Krait's callers read the images themselves).
std::string imageReaderWriter(const std::string& overwrite, std::string fileEnding) {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> readers = {
      {"NaturalImage2DIO", {".png", ".bmp", ".tif"}},
      {"SimpleITKIO", {".nii.gz", ".nrrd", ".mha"}},
      {"Tiff3DIO", {".tif", ".tiff"}},
      {"NibabelIO", {".nii.gz", ".nrrd", ".mha"}},
      {"NibabelIOWithReorient", {".nii.gz", ".nrrd", ".mha"}}};
  for (const auto& reader : readers)
    if (reader.first == overwrite) return overwrite;
  std::transform(fileEnding.begin(), fileEnding.end(), fileEnding.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  for (const auto& [name, endings] : readers)
    if (std::find(endings.begin(), endings.end(), fileEnding) != endings.end()) return name;
  refuse("no image reader for file ending " + fileEnding);
}

bool wants(const PlanningRequest& request, const std::string& configuration) {
  return std::find(request.configurations.begin(), request.configurations.end(), configuration) !=
         request.configurations.end();
}

}  // namespace

ChannelIntensities intensityStatistics(std::vector<float> samples) {
  if (samples.empty()) refuse("no foreground voxels to compute intensity statistics from");
  if (std::any_of(samples.begin(), samples.end(), [](float v) { return std::isnan(v); }))
    refuse("the foreground intensities contain NaN");
  const auto n = static_cast<double>(samples.size());
  // np.mean / np.std of float32: float32 sums, the division in float64 rounded back to float32
  const float mean = static_cast<float>(static_cast<double>(numpySum(samples, [](float v) { return v; })) / n);
  const float variance = static_cast<float>(
      static_cast<double>(numpySum(samples, [mean](float v) { return (v - mean) * (v - mean); })) / n);
  std::sort(samples.begin(), samples.end());
  return {mean,
          medianOfSorted<float>(samples),
          std::sqrt(variance),
          samples.front(),
          samples.back(),
          percentileOfSorted(samples, 99.5),
          percentileOfSorted(samples, 0.5)};
}

json fingerprintToJson(const DatasetFingerprint& fp) {
  json channels = json::object();
  for (size_t c = 0; c < fp.channels.size(); ++c) channels[std::to_string(c)] = intensitiesJson(fp.channels[c]);
  return {{"foreground_intensity_properties_per_channel", channels},
          {"median_relative_size_after_cropping", fp.medianRelativeSizeAfterCropping},
          {"shapes_after_crop", fp.shapesAfterCrop},
          {"spacings", fp.spacings}};
}

double median(std::vector<double> values) {
  if (values.empty()) refuse("no values to take the median of");
  std::sort(values.begin(), values.end());
  return medianOfSorted<double>(values);
}

DatasetFingerprint fingerprintFromJson(const json& j) {
  try {
    DatasetFingerprint fp;
    fp.spacings = j.at("spacings").get<std::vector<std::vector<double>>>();
    fp.shapesAfterCrop = j.at("shapes_after_crop").get<std::vector<std::vector<int64_t>>>();
    const json& channels = j.at("foreground_intensity_properties_per_channel");
    for (size_t c = 0; c < channels.size(); ++c) {  // keys "0", "1", ... (not in string order past "9")
      const json& p = channels.at(std::to_string(c));
      const auto at = [&p](const char* key) { return p.at(key).get<double>(); };
      fp.channels.push_back({at("mean"), at("median"), at("std"), at("min"), at("max"), at("percentile_99_5"),
                             at("percentile_00_5")});
    }
    fp.medianRelativeSizeAfterCropping = j.at("median_relative_size_after_cropping").get<double>();
    return fp;
  } catch (const json::exception& e) {
    refuse(std::string("invalid dataset fingerprint: ") + e.what());
  }
}

PlanningRequest planningRequestFromDatasetJson(const json& j, const std::string& datasetName) {
  try {
    PlanningRequest r;
    r.datasetName = datasetName;
    const json& channels = j.contains("channel_names") ? j.at("channel_names") : j.at("modality");
    for (size_t c = 0; c < channels.size(); ++c) r.channelNames.push_back(channels.at(std::to_string(c)).get<std::string>());
    r.numLabels = static_cast<int64_t>(j.at("labels").size());
    r.numTraining = j.at("numTraining").get<int64_t>();
    r.imageReaderWriter = imageReaderWriter(j.value("overwrite_image_reader_writer", "None"),
                                            j.at("file_ending").get<std::string>());
    return r;
  } catch (const json::exception& e) {
    refuse(std::string("invalid dataset.json: ") + e.what());
  }
}

json planExperiment(const DatasetFingerprint& fp, const PlanningRequest& request) {
  validate(fp, request);
  const std::vector<double> fullresSpacing = fullresTargetSpacing(fp);

  // determine_transpose: the coarsest axis first, the others in order
  std::vector<int64_t> forward{static_cast<int64_t>(argmax(fullresSpacing))}, backward(3);
  for (int64_t d = 0; d < 3; ++d)
    if (d != forward[0]) forward.push_back(d);
  for (int64_t i = 0; i < 3; ++i) backward[static_cast<size_t>(forward[static_cast<size_t>(i)])] = i;

  // median shape after resampling to the target spacing (compute_new_shape per case)
  std::vector<std::vector<int64_t>> newShapes;
  for (size_t i = 0; i < fp.spacings.size(); ++i) {
    std::vector<int64_t> shape;
    for (size_t d = 0; d < 3; ++d)
      shape.push_back(roundHalfEven(fp.spacings[i][d] / fullresSpacing[d] * static_cast<double>(fp.shapesAfterCrop[i][d])));
    newShapes.push_back(shape);
  }
  const std::vector<double> spacing = permuted(fullresSpacing, forward);
  const std::vector<double> medianShape = permuted(columnMedians(newShapes), forward);
  const double approximateVoxels = product(medianShape) * static_cast<double>(request.numTraining);

  json configurations = json::object();
  if (wants(request, "2d"))
    configurations["2d"] = planConfiguration({spacing[1], spacing[2]}, {medianShape[1], medianShape[2]}, "2d",
                                             approximateVoxels, fp, request);
  if (configurations.contains("2d")) configurations["2d"]["batch_dice"] = true;
  if (wants(request, "3d_fullres") && medianShape[0] != 1) {
    json plan = planConfiguration(spacing, medianShape, "3d_fullres", approximateVoxels, fp, request);
    // nnU-Net adds a 3d_lowres configuration when the patch covers under 25 % of the median image, and then
    // trains 3d_fullres with batch Dice
    const double patchVoxels = product(plan["patch_size"].get<std::vector<int64_t>>());
    plan["batch_dice"] = patchVoxels / product(medianShape) < kLowresCreationThreshold;
    configurations["3d_fullres"] = plan;
  }

  std::vector<int64_t> originalMedianShape;
  for (double s : permuted(columnMedians(fp.shapesAfterCrop), forward)) originalMedianShape.push_back(roundHalfEven(s));
  json intensities = json::object();
  for (size_t c = 0; c < fp.channels.size(); ++c) intensities[std::to_string(c)] = intensitiesJson(fp.channels[c]);
  return {
      {"dataset_name", request.datasetName},
      {"plans_name", request.plansName},
      {"original_median_spacing_after_transp", permuted(columnMedians(fp.spacings), forward)},
      {"original_median_shape_after_transp", originalMedianShape},
      {"image_reader_writer", request.imageReaderWriter},
      {"transpose_forward", forward},
      {"transpose_backward", backward},
      {"configurations", configurations},
      {"experiment_planner_used", "ExperimentPlanner"},
      {"label_manager", "LabelManager"},
      {"foreground_intensity_properties_per_channel", intensities},
  };
}

}  // namespace krait::training
