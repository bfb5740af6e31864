#include "written_check.h"

#include "krait/base/error.h"
#include "metaimage_check.h"
#include "nifti_header.h"

namespace fs = std::filesystem;

namespace krait::io {

void checkWrittenVolume(const fs::path& written, FileFormat format, const std::string& shownName) {
  try {
    if (format == FileFormat::Nifti) checkNiftiComplete(written, readNiftiHeader(written));
    if (format == FileFormat::MetaImage) checkMetaImageComplete(written);
    // NRRD: ITK's writer (teem) reports a failed write itself, as an exception.
  } catch (const Error& e) {
    std::error_code ec;
    const bool full = fs::space(written.parent_path(), ec).available == 0 && !ec;
    // The reason without the staged file's name ("<staging>/<name>: <reason>"), which the user never sees.
    std::string reason = e.what();
    if (const std::string prefix = written.string() + ": "; reason.rfind(prefix, 0) == 0) reason.erase(0, prefix.size());
    throw outputError(shownName, std::string("was written incompletely") + (full ? " (no space left on the device)" : "") +
                                     ": " + reason);
  }
}

}  // namespace krait::io
