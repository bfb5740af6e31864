#pragma once
// A DICOM SEG file as it stands: its segments (read by DCMTK's dcmseg), and each frame's segment, plane, source
// image and pixels. Knows nothing of the series it refers to (dicom_seg_read.cpp places it).
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmseg/segdoc.h>

#include <array>
#include <memory>
#include <optional>
#include <vector>

#include "krait/io/dicom_seg.h"

namespace krait::io::dicom {

// Plane of one frame: what the functional groups say, per frame or shared.
struct SegFramePlane {
  std::optional<std::array<double, 6>> orientation;   // ImageOrientationPatient
  std::optional<std::array<double, 2>> pixelSpacing;  // between rows, between columns
};

class SegFile {
 public:
  // Throws Error(Input) naming `path` when it is not a readable DICOM SEG.
  explicit SegFile(const std::filesystem::path& path);

  const DicomSegInfo& info() const { return info_; }
  const SegFramePlane& plane(std::size_t frame) const { return planes_[frame]; }
  // Series UIDs of the Common Instance Reference module (the source images' series), in file order.
  const std::vector<std::string>& referencedSeries() const { return referencedSeries_; }
  // Frame `frame` as rows x columns bytes, 1 where the segment is present.
  std::vector<uint8_t> mask(std::size_t frame) const;

 private:
  std::string name_;
  DicomSegInfo info_;
  std::vector<SegFramePlane> planes_;
  std::vector<std::string> referencedSeries_;
  std::unique_ptr<DcmSegmentation> document_;
  std::vector<uint8_t> pixelData_;  // as stored (decompressed): DCMTK's own frames are not used, see dicom_seg_bits.h
  bool fractional_ = false;
  unsigned maxFractional_ = 255;
};

}  // namespace krait::io::dicom
