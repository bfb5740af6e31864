#pragma once
// What a DICOM file's own header says about its geometry and voxels, read with DCMTK directly, so that
// Krait's assembled volumes can be checked against the file rather than against Krait itself.
#include <filesystem>
#include <vector>

#include "krait/base/geometry.h"

namespace krait::test {

struct DicomReference {
  Geometry geometry;        // one file: IOP columns, IPP origin, PixelSpacing, Rows/Columns/frames
  bool hasPatientGeometry;  // IOP and IPP present
  double slope = 1, intercept = 0;
};

DicomReference readDicomReference(const std::filesystem::path& file);
// Native (uncompressed) greyscale voxels * slope + intercept, in file order.
std::vector<double> readNativeValues(const std::filesystem::path& file);
// Rewrites a file's ImagePositionPatient.
void setPosition(const std::filesystem::path& file, const Vec3& position);
Vec3 position(const std::filesystem::path& file);

}  // namespace krait::test
