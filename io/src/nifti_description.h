#pragma once
// A NIfTI file's descrip: ITK's NiftiImageIO reads it (into ITK_FileNotes) but never writes it. So ITK writes
// the file uncompressed, and it is given its descrip here before Krait gzips it (parallel_gzip.h).
#include <filesystem>
#include <string>

namespace krait::io {

// Sets descrip (at most 79 characters, then a NUL) in the NIfTI-1 header of the uncompressed file `nii`.
// Errors name `shownName`, the user's path.
void setNiftiDescription(const std::filesystem::path& nii, const std::string& description, const std::string& shownName);

}  // namespace krait::io
