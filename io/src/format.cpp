#include <algorithm>
#include <cctype>
#include <fstream>

#include <unistd.h>

#include "krait/base/error.h"
#include "krait/io/volume_io.h"

namespace fs = std::filesystem;

namespace krait::io {

namespace {

std::string lowerName(const fs::path& p) {
  std::string name = p.filename().string();
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name;
}

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

FileFormat formatFromName(const fs::path& p) {
  const std::string name = lowerName(p);
  if (endsWith(name, ".nii") || endsWith(name, ".nii.gz")) return FileFormat::Nifti;
  if (endsWith(name, ".nrrd") || endsWith(name, ".nhdr")) return FileFormat::Nrrd;
  if (endsWith(name, ".mha") || endsWith(name, ".mhd")) return FileFormat::MetaImage;
  if (endsWith(name, ".dcm") || name == "dicomdir") return FileFormat::Dicom;
  return FileFormat::Unknown;
}

// Part 10 files carry "DICM" after a 128-byte preamble.
bool hasDicomPreamble(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  char magic[4] = {};
  in.seekg(128);
  return in.read(magic, 4) && std::string(magic, 4) == "DICM";
}

}  // namespace

const char* formatName(FileFormat f) {
  switch (f) {
    case FileFormat::Nifti: return "NIfTI";
    case FileFormat::Nrrd: return "NRRD";
    case FileFormat::MetaImage: return "MetaImage";
    case FileFormat::Dicom: return "DICOM";
    case FileFormat::Registered: return "registered reader";
    case FileFormat::Unknown: break;
  }
  return "unknown";
}

FileFormat detectFormat(const fs::path& path) {
  if (!registeredReaderFor(path).empty()) return FileFormat::Registered;
  std::error_code ec;
  if (fs::is_directory(path, ec)) return FileFormat::Dicom;
  const FileFormat byName = formatFromName(path);
  if (byName != FileFormat::Unknown) return byName;
  return hasDicomPreamble(path) ? FileFormat::Dicom : FileFormat::Unknown;
}

FileFormat outputFormat(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec) || !path.has_filename())
    throw Error(ErrorKind::Usage, path.string() + ": is a folder; name the file to write, e.g. " +
                                      (path / "mask.nii.gz").lexically_normal().string() +
                                      " (krait batch writes one mask per case into a folder)");
  const FileFormat f = formatFromName(path);
  if (f != FileFormat::Nifti && f != FileFormat::Nrrd && f != FileFormat::MetaImage)
    // No extension at all is nnU-Net's habit of naming an output folder: say where folders go.
    throw Error(ErrorKind::Usage, path.string() +
                                      ": cannot tell the output format; use .nii, .nii.gz, .nrrd, .nhdr, .mha or .mhd" +
                                      (path.has_extension() ? "" : " (a folder of masks is krait batch's -o)"));
  return f;
}

namespace {

void checkWritableFolder(const fs::path& folder, const fs::path& output) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw outputError(output.string(), "the folder " + folder.string() + " does not exist");
  if (access(folder.c_str(), W_OK | X_OK) != 0) throw outputError(output.string(), "the folder " + folder.string() + " is not writable");
}

}  // namespace

void checkOutputFolder(const fs::path& path) {
  checkWritableFolder(path.has_parent_path() ? path.parent_path() : fs::path("."), path);
}

FileFormat checkOutputFile(const fs::path& path) {
  const FileFormat f = outputFormat(path);
  checkOutputFolder(path);
  return f;
}

void prepareOutputFolder(const fs::path& folder) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (!fs::is_directory(folder)) throw outputError(folder.string(), "cannot create the folder" + (ec ? ": " + ec.message() : std::string()));
  checkWritableFolder(folder, folder);
}

}  // namespace krait::io
