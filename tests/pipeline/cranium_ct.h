#pragma once
// The CT head of the catalogue's Cranium.inv3 (an InVesalius project: a gzip tar of plists and raw arrays)
// as a NIfTI file, derived exactly as tests/fixtures/pipeline/ct_3d/case.json describes: int16 HU, voxel
// sizes from main.plist's 'spacing', origin 0, RAS axes (an identity NIfTI affine scaled by the spacing).
#include <filesystem>

namespace krait::test {

std::filesystem::path craniumCtNifti(const std::filesystem::path& folder);

}  // namespace krait::test
