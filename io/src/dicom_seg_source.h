#pragma once
// The series a SEG is made from or laid onto, slice by slice: which image (and frame) each slice of
// loadDicomSeries' grid comes from, and where it lies. Headers only: pixel data is never read.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "krait/base/geometry.h"
#include "krait/io/dicom.h"

namespace krait::io::dicom {

struct SourceSlice {
  std::string sopClassUid;
  std::string sopInstanceUid;
  unsigned long frame = 0;   // 0-based frame within its file
  bool multiFrame = false;   // the file holds several frames: references name the frame
  Vec3 position{};           // LPS position of the slice's first voxel, as the file states it
};

struct SourceSeries {
  std::string name;  // how messages name the series: its file, or its folder and UID
  Geometry grid;     // the grid loadDicomSeries gives
  std::vector<SourceSlice> slices;  // slices[k] is slice k of the grid
  std::string frameOfReferenceUid;
  std::optional<double> sliceThickness;
  std::unique_ptr<DcmFileFormat> firstHeader;  // patient, study and equipment attributes come from here
};

// Throws Error(Input) naming the series when a header cannot be read, the images carry no patient position
// and orientation, or the slices are not a regular grid (loadDicomSeries would resample them, and a SEG's
// frames must be the source images' own planes).
SourceSeries describeSource(const DicomSeries& series);

}  // namespace krait::io::dicom
