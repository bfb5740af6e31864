// CLAM's HDF5 files (libhdf5), so that Krait and CLAM steps mix: the patch file `patches/<slide>.h5` that
// create_patches_fp.py writes (dataset `coords`, int64 N x 2, level-0 top-left corners, with the attributes
// patch_size, patch_level, downsample, downsampled_level_dim, level_dim, name, save_path) and the feature file
// `h5_files/<slide>.h5` that extract_features_fp.py writes (`features` float32 N x D, `coords` int32 N x 2).
// Both are chunked by 32 rows and resizable, as CLAM's save_hdf5 makes them. Writes are atomic.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace krait::wsi {

using Coords = std::vector<std::array<int64_t, 2>>;

struct PatchFile {
  Coords coords;
  int64_t patchSize = 0;  // pixels at patchLevel (attribute patch_size)
  int patchLevel = 0;     // attribute patch_level
  std::array<double, 2> downsample{1, 1};
  std::array<int64_t, 2> levelDim{0, 0};  // the patch level's size (level_dim and downsampled_level_dim)
  std::string name, savePath;
  // Krait's own, ignored by CLAM: the spacing the grid was asked for (0: by level) and the level-0 patch side.
  double targetMpp = 0;
  int64_t level0Size = 0;
};

struct FeatureFile {
  int64_t count = 0, dim = 0;
  std::vector<float> features;  // count x dim, row-major
  Coords coords;
};

// Throw SlideError naming the file: missing, not HDF5, without the dataset, wrong shapes.
void writePatchFile(const std::string& path, const PatchFile& patches);
PatchFile readPatchFile(const std::string& path);
void writeFeatureFile(const std::string& path, const FeatureFile& features);
// Any float or integer types are converted (float32 features, int coords); a feature file without coords is an
// error, as CLAM's own readers need them.
FeatureFile readFeatureFile(const std::string& path);

}  // namespace krait::wsi
