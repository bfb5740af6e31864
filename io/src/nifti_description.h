#pragma once
// A NIfTI file's descrip: ITK's NiftiImageIO reads it (into ITK_FileNotes) but never writes it. So a NIfTI file
// with a description is written by ITK uncompressed, given its descrip here, then gzipped as ITK would have
// done it (zlib level 6: the compressed stream is the one ITK writes).
#include <filesystem>
#include <string>

namespace krait::io {

// Sets descrip (at most 79 characters, then a NUL) in the NIfTI-1 header of the uncompressed file `nii`.
// Errors name `shownName`, the user's path.
void setNiftiDescription(const std::filesystem::path& nii, const std::string& description, const std::string& shownName);
// `from` gzipped into `to`, streamed.
void gzipFile(const std::filesystem::path& from, const std::filesystem::path& to, const std::string& shownName);

}  // namespace krait::io
