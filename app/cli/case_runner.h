#pragma once
// One case from input files to written mask: read, segment, write (atomically), and the report. Shared by
// `krait segment` and `krait batch`, which differ only in how they find cases and report them.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "krait/core/segmentation_pipeline.h"
#include "krait/io/volume_io.h"
#include "krait/models/segmentation_model.h"

namespace krait::cli {

struct CaseRun {
  std::vector<std::string> inputs;
  std::filesystem::path output;
  std::filesystem::path probabilities;  // empty: none
  io::ReadOptions read;
};

// Throws krait::Error for bad input or output; nothing is written unless the whole case succeeds (the
// probabilities file, when asked for, is written just before the mask).
nlohmann::json runCase(const models::SegmentationModel& model, const std::vector<TilePredictor>& predictors,
                       const CaseRun& run, PipelineOptions options, int threads);

}  // namespace krait::cli
