#pragma once
// Where each DICOM frame lies in the patient (LPS), and how a series' frames become one regular volume:
// sorted along the slice normal, checked, and — when the slices are uneven or tilted — a plan to resample.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include <optional>
#include <string>
#include <vector>

#include "krait/base/geometry.h"
#include "krait/base/volume.h"
#include "krait/io/dicom.h"

namespace krait::io::dicom {

struct FramePlacement {
  std::size_t file = 0;       // index into the series' files
  unsigned long frame = 0;    // frame within that file
  std::optional<Vec3> position;                  // ImagePositionPatient
  std::optional<std::array<double, 6>> orientation;  // ImageOrientationPatient
  std::optional<std::array<double, 2>> pixelSpacing; // between rows, between columns
  std::optional<double> sliceSpacing;  // SpacingBetweenSlices, else SliceThickness
  double slope = 1.0;
  double intercept = 0.0;
};

// Every frame of one file, from classic attributes, enhanced functional groups, or RT Dose frame offsets.
std::vector<FramePlacement> framePlacements(DcmDataset& dataset, std::size_t file, unsigned long frames,
                                            std::vector<std::string>& notes);

struct StackPlan {
  Geometry stacked;                // one slice per frame, in sorted order (k = rank)
  std::vector<std::size_t> order;  // order[k] = index of the frame placed at slice k
  std::vector<Vec3> positions;     // LPS position of each sorted slice's first voxel
  bool resample = false;           // true: `regular` differs from `stacked` and needs resampling
  Geometry regular;                // the output grid
};

// Throws Error(Input) naming `name` for mixed orientations, several frames at one position, or (with
// IrregularSlices::Refuse) uneven spacing or gantry tilt.
StackPlan planStack(const std::vector<FramePlacement>& frames, int rows, int columns, const DicomLoadOptions& options,
                    const std::string& name, std::vector<std::string>& notes);

// Resamples slices placed at `plan.positions` onto `plan.regular`: linear between the two slices around
// each output slice, bilinear within each; points outside every slice get `fill`.
Volume resampleStack(const Volume& stacked, const StackPlan& plan, double fill);

}  // namespace krait::io::dicom
