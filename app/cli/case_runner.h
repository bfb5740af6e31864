#pragma once
// One case from input files to written mask: read, segment, write (atomically), and the report. Shared by
// `krait segment` and `krait batch`, which differ only in how they find cases and report them.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "case_input.h"
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

// Throws krait::Error for bad input or output; nothing is written unless the whole case succeeds (the mask and
// the probabilities file are moved into place only once they and the SEG, when asked for, are all written).
nlohmann::json runCase(Segmenter& segmenter, const CaseRun& run, const ProgressCallback& progress);

// runCase's three steps, for krait batch, which reads the next case and writes the previous one while a case
// is segmented. Reading and writing use the segmenter's model read-only, so they may run beside segmentCase
// on other threads; each throws what runCase would.
struct ReadCase {
  CaseInput input;
  double seconds = 0.0;
};
struct SegmentedCase {
  Segmentation result;
  std::vector<std::string> sources;  // the input files, as the report names them
  double readSeconds = 0.0;
};
ReadCase readCaseInputs(const Segmenter& segmenter, const CaseRun& run);
// Frees the case's input volumes once segmented.
SegmentedCase segmentCase(Segmenter& segmenter, const CaseRun& run, ReadCase read, const ProgressCallback& progress);
// The report with the seconds of this case's read and write.
nlohmann::json writeCaseOutputs(const Segmenter& segmenter, const CaseRun& run, const SegmentedCase& segmented);

}  // namespace krait::cli
