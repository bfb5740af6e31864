#pragma once
// The labels as a DICOM SEG of the series the image was read from, and a SEG read back onto that series. The
// segments are named and coloured as the segment table shows them and coded from Krait's terminology table;
// the algorithm is the model whose segmentation was accepted (AUTOMATIC, or SEMIAUTOMATIC once edited), else none
// (MANUAL).
#include <filesystem>
#include <string>
#include <vector>

#include "krait/io/dicom.h"
#include "krait/io/dicom_seg.h"
#include "label_table.h"
#include "viewer_state.h"

namespace krait::studio {

// What writeDicomSeg needs, copied out of the state on the GUI thread so that a worker can write it.
struct SegDocument {
  Volume labels;
  io::DicomSeries series;
  std::vector<io::SegmentInfo> segments;  // one per label present
  io::SegWriteOptions options;
};

// The accepted labels of `state`, whose image was read from `series`. Throws Error(Usage) while a preview waits
// or when no voxel is labelled, Error(Input) when the terminology table cannot be read.
SegDocument segDocument(const ViewerState& state, const io::DicomSeries& series);
// The file appears whole or not at all; throws as io::writeDicomSeg.
void writeSeg(const SegDocument& document, const std::filesystem::path& file);

// The note a saved label map carries in its header (io::WriteOptions::description): Krait's version, the studio,
// and the model whose segmentation was accepted, if any, and whether it was painted on since.
std::string labelMapNote(const LabelAuthor& author);

struct SegLabels {
  Volume labels;                           // on the series' grid; voxel = segment number
  std::vector<LabelDescription> segments;  // each segment's name and colour
  std::vector<std::string> notes;          // what the reader tolerated or resolved
};

// A SEG made from `series` (throws Error(Input) naming the file for one made from another series).
SegLabels readSegLabels(const std::filesystem::path& file, const io::DicomSeries& series);

}  // namespace krait::studio
