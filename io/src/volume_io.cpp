#include "krait/io/volume_io.h"

#include "itk_volume_io.h"
#include "volume_readers.h"
#include "metaimage_check.h"
#include "nifti_header.h"
#include "krait/base/atomic_output.h"
#include "krait/base/error.h"

namespace fs = std::filesystem;

namespace krait::io {

Volume readVolume(const fs::path& path, const ReadOptions& options, std::vector<std::string>* notes) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw inputError(path.string(), "no such file or folder");
  const FileFormat format = detectFormat(path);
  if (format == FileFormat::Registered) return readRegistered(path);
  if (format == FileFormat::Nifti || format == FileFormat::Nrrd || format == FileFormat::MetaImage) {
    if (fs::is_directory(path, ec)) throw inputError(path.string(), "is a folder, not an image file");
    if (format == FileFormat::Nifti) {
      const NiftiHeader header = readNiftiHeader(path);
      if (readsWithoutItk(header)) return readNiftiVolume(path, header, notes);
      checkNiftiComplete(path, header);
    }
    if (format == FileFormat::MetaImage) checkMetaImageComplete(path);
    return readItkVolume(path, format, notes);
  }
  // DICOM, or a file with no telling name: DCMTK decides, and scanDicom says why not.
  const DicomScan scan = scanDicom(path);
  return loadDicomSeries(selectSeries(scan, options.seriesUid, path), options.dicom, notes);
}

void writeVolume(const Volume& volume, const fs::path& path, const WriteOptions& options) {
  stageVolume(volume, path, options)->commit();
}

std::unique_ptr<AtomicOutput> stageVolume(const Volume& volume, const fs::path& path, const WriteOptions& options) {
  const FileFormat format = outputFormat(path);
  if (volume.empty()) throw outputError(path.string(), "nothing to write: the volume is empty");
  auto out = std::make_unique<AtomicOutput>(path);
  writeItkVolume(volume, out->stagingPath(), format, path.string(), options);
  return out;
}

}  // namespace krait::io
