#pragma once
// What `krait segment` and `krait batch` say about one segmented case: built once as JSON (model, versions,
// device, stage timings, peak memory, label volumes) and rendered as text from the same object.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "arg_parser.h"
#include "case_input.h"
#include "krait/core/segmentation_pipeline.h"
#include "krait/models/precision.h"
#include "krait/models/segmentation_model.h"

namespace krait::cli {

// "cpu", "cuda", "cuda:N"; Error(Usage) for others, Error(Input) when CUDA is not available.
torch::Device parseDevice(const std::string& text);
// A comma-separated list ("cuda:0,cuda:1", "cuda:0,1", "cpu,cpu"), each entry as parseDevice takes it.
std::vector<torch::Device> parseDevices(const std::string& text);

// --step and --tta, on `device`.
PipelineOptions pipelineOptions(const ArgParser& args, const torch::Device& device);

// --precision (fp32 unless given): reduced precision only on a GPU, where LibTorch has every layer's kernel.
models::Precision precisionFromArgs(const ArgParser& args, const torch::Device& device);

// The model of -m with --folds and --checkpoint applied.
models::SegmentationModel loadModelFromArgs(const ArgParser& args);

// Volume in mL of every foreground label present in the dataset, by name.
nlohmann::json labelVolumes(const torch::Tensor& labels, const Geometry& geometry,
                            const models::DatasetDescription& dataset);

nlohmann::json segmentationReport(const models::SegmentationModel& model, const CaseInput& input,
                                  const SegmentationResult& result, const PipelineOptions& options, int threads);

std::string renderSegmentationSummary(const nlohmann::json& report);

}  // namespace krait::cli
