#pragma once
// One case from input files to written mask: read, segment, write (atomically), and the report. Shared by
// `krait segment` and `krait batch`, which differ only in how they find cases and report them.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "krait/engine/segmenter.h"
#include "krait/io/volume_io.h"
#include "seg_output.h"

namespace krait::cli {

struct CaseRun {
  std::vector<std::string> inputs;
  std::filesystem::path output;         // empty: no label image (krait segment --seg alone)
  std::filesystem::path probabilities;  // empty: none
  io::ReadOptions read;
  std::optional<SegTarget> seg;  // also the mask as a DICOM SEG of the input series
};

// Throws krait::Error for bad input or output; nothing is written unless the whole case succeeds (the
// probabilities file and the SEG, when asked for, are written just before the mask).
nlohmann::json runCase(Segmenter& segmenter, const CaseRun& run, const ProgressCallback& progress);

}  // namespace krait::cli
