#pragma once
// What `krait segment` and `krait batch` share: their segmentation options, declared once (with nnU-Net's
// spellings where they mean the same), turned into the engine's options; and the report of one segmented case,
// built once as JSON and rendered as text from the same object.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "arg_parser.h"
#include "krait/engine/segmenter.h"

namespace krait::cli {

// The options both commands take; `batch` words --device for a list of devices.
std::vector<OptionSpec> segmentationOptions(bool batch);
// Advice for flags of nnUNetv2_predict and retired Krait flags that are not options here.
std::map<std::string, std::string> segmentationHints();

// --threads applied to the engine (every core by default), --verbose to DICOM reading; the threads in effect.
int initEngineFromArgs(const ArgParser& args);
// The engine's options from the command line; `device` is one of --device's entries.
SegmenterOptions segmenterOptions(const ArgParser& args, const std::string& device);

// The build (krait/engine/build_info.h) as the `versions` of every case report and `krait --version --json`:
// krait, git, build_type, libtorch, cuda and cudnn (null when none), krait_cuda_kernels, cuda_devices,
// cpu_capability, selective_scan.
nlohmann::json versionsReport();
// inputs, model, versions, the engine's report (device, grids, seconds, peak memory, label volumes).
nlohmann::json segmentationReport(const Segmenter& segmenter, const SegmentationReport& report,
                                  const std::vector<std::string>& inputs);
std::string renderSegmentationSummary(const nlohmann::json& report);

}  // namespace krait::cli
