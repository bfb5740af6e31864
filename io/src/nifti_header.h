#pragma once
// What ITK's NIfTI reader does not check or cannot read: ITK (through niftilib) zero-fills a truncated
// file with only a warning, silently replaces a zero voxel size, and Debian's build reads no NIfTI-2.
// Krait parses the header itself to refuse the first two and to read NIfTI-2.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "krait/base/volume.h"

namespace krait::io {

struct NiftiHeader {
  int version = 1;  // 1 or 2
  bool swapped = false;
  int64_t rank = 0;           // dim[0]
  std::vector<int64_t> dims;  // dim[1..dim[0]]
  int datatype = 0;
  int bitsPerVoxel = 0;
  std::array<double, 8> pixdim{};
  int64_t voxOffset = 0;
  double sclSlope = 0;
  double sclInter = 0;
  int qformCode = 0;
  int sformCode = 0;
  std::array<double, 3> quatern{};
  std::array<double, 3> qoffset{};
  std::array<std::array<double, 4>, 3> srow{};

  int64_t voxelCount() const;
  int64_t dataBytes() const { return voxelCount() * bitsPerVoxel / 8; }
};

// Reads and sanity-checks the header of a .nii / .nii.gz file; throws Error(Input) naming the file.
NiftiHeader readNiftiHeader(const std::filesystem::path& path);
// Throws Error(Input) unless the file holds every voxel byte the header announces (for .gz, by
// decompressing it once: a gzip stream's length is known only at its end).
void checkNiftiComplete(const std::filesystem::path& path, const NiftiHeader& header);
// Whether readNiftiVolume takes the file: NIfTI-2 (Debian's ITK reads NIfTI-1 only), and the NIfTI-1 files
// whose geometry and voxels it reads as ITK does. It decompresses a .nii.gz once where ITK's path needs two
// passes (one to check completeness, ITK's own), each slower.
bool readsWithoutItk(const NiftiHeader& header);
// Reading with ITK's qform/sform choice and scaling rules; Error(Input) for a truncated or corrupt file.
Volume readNiftiVolume(const std::filesystem::path& path, const NiftiHeader& header, std::vector<std::string>* notes);

}  // namespace krait::io
