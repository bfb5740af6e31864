#pragma once
// NIfTI, NRRD and MetaImage through ITK's ImageIO classes. Using ImageIO directly (not ImageFileReader<T>)
// keeps one code path for every pixel type and dimension, and the build free of per-type template bloat.
#include <filesystem>
#include <string>
#include <vector>

#include "krait/base/volume.h"
#include "krait/io/volume_io.h"

namespace krait::io {

Volume readItkVolume(const std::filesystem::path& path, FileFormat format, std::vector<std::string>* notes);
// Writes to `file` (a staging path; see AtomicOutput) in `format`; errors name `shownName`, the user's path.
void writeItkVolume(const Volume& volume, const std::filesystem::path& file, FileFormat format,
                    const std::string& shownName, const WriteOptions& options);

}  // namespace krait::io
