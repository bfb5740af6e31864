#pragma once
// A label map as a DICOM SEG of the series it was drawn on, as `krait convert` and `krait segment --seg` both
// write it: the segments named and coloured as the model's labels (or "Segment N" without a model), coded from
// the terminology table, the model named as the algorithm and Krait as the software.
#include <filesystem>
#include <string>
#include <vector>

#include "krait/base/volume.h"
#include "krait/io/dicom.h"
#include "krait/io/dicom_seg.h"
#include "krait/models/nnunet/model_store.h"

namespace krait::cli {

// A SEG is written to a .dcm file (any case): the name says which output is meant.
bool isSegFileName(const std::filesystem::path& path);

// The series of a DICOM folder or file: the only one with pixels, or `seriesUid`. Throws Error(Input).
io::DicomSeries dicomSeriesIn(const std::filesystem::path& path, const std::string& seriesUid);

// The model's labels with their names and colours.
std::vector<io::SegmentInfo> modelSegments(const models::ModelManifest& model);
// Without a model: "Segment N", in a distinct colour, for each label N the label map holds.
std::vector<io::SegmentInfo> unnamedSegments(const Volume& labels);

struct SegTarget {
  std::filesystem::path file;
  io::DicomSeries series;
  Geometry grid;  // the series' grid, which the labels must lie on
  std::vector<io::SegmentInfo> segments;
  io::SegWriteOptions options;
};

// The SEG of `segments` on `series`: the model (or Krait) as the algorithm, Krait's version, the terminology
// table, the UID root. Checked before it is returned (io::checkDicomSegOutput), so that a long run cannot end
// unable to write it.
SegTarget segTarget(const std::filesystem::path& file, const io::DicomSeries& series,
                    std::vector<io::SegmentInfo> segments, const models::ModelManifest* model, const std::string& uidRoot);
// Writes `labels`, on the series' grid, whole or not at all.
void writeSeg(const Volume& labels, const SegTarget& target);

// One line per segment: number, name and colour.
std::string segmentLines(const std::vector<io::SegmentInfo>& segments);

}  // namespace krait::cli
