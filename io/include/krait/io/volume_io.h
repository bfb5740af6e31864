#pragma once
// Reading and writing volumes: NIfTI (.nii, .nii.gz), NRRD (.nrrd, .nhdr), MetaImage (.mha, .mhd) through
// ITK, and DICOM files or folders through DCMTK (dicom.h). Everything arrives in LPS (docs/geometry.md).
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "krait/base/atomic_output.h"
#include "krait/base/volume.h"
#include "krait/io/dicom.h"

namespace krait::io {

enum class FileFormat { Nifti, Nrrd, MetaImage, Dicom, Registered, Unknown };

// A reader of some other volume format, registered by a front end (a plugin's reader: krait/engine/plugins.h).
// detectFormat and readVolume give a file to the first registered reader that takes it, before Krait's own.
struct VolumeReader {
  std::string name;                                         // "npy (plugin test-kinds)"
  std::function<bool(const std::filesystem::path&)> takes;  // by name and, where it can tell, content
  std::function<Volume(const std::filesystem::path&)> read;  // throws Error(Input) naming the file
};
void registerVolumeReader(VolumeReader reader);
// The name of the registered reader that takes `path`, or "" when none does.
std::string registeredReaderFor(const std::filesystem::path& path);

const char* formatName(FileFormat f);
// A registered reader that takes the file first; then by extension; a file with another name is DICOM if DCMTK
// recognises it (preamble or not).
FileFormat detectFormat(const std::filesystem::path& path);
// Format chosen for writing, from the extension only; throws Error(Usage) for anything else (a folder named
// where a file is wanted included).
FileFormat outputFormat(const std::filesystem::path& path);
// outputFormat(path), and checkOutputFolder(path): what a command checks before any work, so that a long run
// never ends unable to write.
FileFormat checkOutputFile(const std::filesystem::path& path);
// The folder the file `path` goes in exists and is writable (Error(Output) naming `path` otherwise).
void checkOutputFolder(const std::filesystem::path& path);
// A folder that outputs go into: created if missing; throws Error(Output) when it cannot be or is not writable.
void prepareOutputFolder(const std::filesystem::path& folder);

struct ReadOptions {
  std::string seriesUid;  // DICOM: which series; empty = the only one (several is an error)
  DicomLoadOptions dicom;
};

// Reads a volume file, a DICOM file or a folder holding one DICOM series (or one chosen by seriesUid).
// Notes a user should see (resampling, conversions) are appended to *notes. Throws Error(Input) naming
// the path and the reason.
Volume readVolume(const std::filesystem::path& path, const ReadOptions& options = {},
                  std::vector<std::string>* notes = nullptr);

struct WriteOptions {
  // A note on what made the file (krait/engine/build_info.h's fileNote), kept in its header: NIfTI's descrip
  // (79 characters at most), the ITK_FileNotes field of NRRD and MetaImage. Empty: none.
  std::string description;
  // Threads that compress a .nii.gz (the engine's count, say); 0: every core this process may run on.
  int threads = 0;
};

// Writes NIfTI / NRRD / MetaImage by extension. Multi-channel volumes become 4D images. The files appear
// only when complete (written under a temporary folder beside the target, then renamed).
void writeVolume(const Volume& volume, const std::filesystem::path& path, const WriteOptions& options = {});
// writeVolume short of moving the file into place, for a caller that writes several files that belong together
// (a mask and its probabilities): it commits them only once all are written, so that one that fails leaves the
// others' targets as they were. The returned output removes the file unless committed. Throws as writeVolume.
std::unique_ptr<AtomicOutput> stageVolume(const Volume& volume, const std::filesystem::path& path,
                                          const WriteOptions& options = {});

}  // namespace krait::io
