#pragma once
// An independent reading of NIfTI-1/-2 headers and voxels, written from the NIfTI specification, against
// which Krait's ITK-based reader is checked. Geometry follows ITK's choice: the sform when it is set and
// orthogonal, else the qform; converted from NIfTI's RAS to LPS.
#include <filesystem>
#include <string>
#include <vector>

#include "krait/base/geometry.h"

namespace krait::test {

struct NiftiReference {
  int version = 1;
  bool bigEndian = false;
  std::vector<int64_t> dims;  // dim[1..dim[0]]
  int datatype = 0;
  int qformCode = 0;
  int sformCode = 0;
  double sclSlope = 0;
  double sclInter = 0;
  std::string description;     // descrip, up to its first NUL
  Geometry geometry;           // LPS, derived from the header
  std::vector<double> values;  // every voxel in file order, scaled when scl_slope is set
};

NiftiReference readNiftiReference(const std::filesystem::path& path);

// Whole file contents, gunzipped when the name ends in .gz.
std::vector<char> readMaybeGzipped(const std::filesystem::path& path);

}  // namespace krait::test
