#pragma once
// ITK's NIfTI and MetaImage writers report a failed write only on the console ("NWAD: wrote only ... bytes",
// "M_WriteElementsData: file stream is fail after write") and return as if the file were whole, which a full disk
// shows. Krait therefore checks what it wrote with its own readers' completeness checks before committing it.
#include <filesystem>
#include <string>

#include "krait/io/volume_io.h"

namespace krait::io {

// Throws Error(Output) naming `shownName` when the staged file `written` (and its companion data file) does not
// hold every byte its header announces.
void checkWrittenVolume(const std::filesystem::path& written, FileFormat format, const std::string& shownName);

}  // namespace krait::io
