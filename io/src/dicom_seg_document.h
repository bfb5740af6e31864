#pragma once
// The DCMTK side of writing a binary SEG: the document with the source's patient, study and frame of
// reference, Krait as equipment, new UIDs, shared plane and pixel measures, then segments and frames as they
// come, and the file saved with its references to the source images.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmseg/segdoc.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "dicom_seg_source.h"
#include "krait/io/dicom_seg.h"

namespace krait::io::dicom {

class SegDocument {
 public:
  // `source` must outlive the document; its first header is converted to UTF-8 in place, the character set
  // the SEG is written in. Expects checked options (dicom_seg_write.cpp) and `uidRoot` from checkedUidRoot;
  // `frames` is the number of addFrame calls to come.
  SegDocument(const SourceSeries& source, const DicomSeries& series, const SegWriteOptions& options,
              const std::string& uidRoot, std::size_t frames);

  // Segments are numbered 1, 2, ... in the order they are added.
  void addSegment(const SegmentInfo& segment);
  // One frame of segment `segment` on slice `slice`: `mask` holds one byte per pixel, nonzero = set.
  void addFrame(int segment, int64_t slice, const uint8_t* mask);
  // Throws Error(Output) naming `name` when the file cannot be written.
  void save(const std::filesystem::path& path, const std::string& name);

 private:
  const SourceSeries& source_;
  const DicomSeries& series_;
  const SegWriteOptions& options_;
  std::unique_ptr<DcmSegmentation> seg_;
  std::vector<uint8_t> packed_;  // the pixel data, packed here (dicom_seg_bits.h)
  std::size_t frames_ = 0;
  std::set<std::string> referenced_;  // source images that frames were drawn on
};

}  // namespace krait::io::dicom
