#pragma once
// The series picker's table for a DICOM folder: one row per series with images.
#include <string>
#include <vector>

#include "krait/io/dicom.h"

namespace krait::studio {

struct SeriesRow {
  std::string uid, modality, description;
  std::string images;  // "120"
  std::string size;    // "512 x 512 x 120" (columns x rows x images)
};

// The series that hold pixels (SR, RTSTRUCT and the like are left out), in the scan's order.
std::vector<SeriesRow> seriesRows(const io::DicomScan& scan);

}  // namespace krait::studio
