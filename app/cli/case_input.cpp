#include "case_input.h"

#include <algorithm>
#include <cstdio>

#include "krait/base/error.h"

namespace fs = std::filesystem;

namespace krait::cli {
namespace {

// The file name without its volume extension (".nii.gz" counts as one) and that extension; no extension when
// the name has none of them.
std::pair<std::string, std::string> splitExtension(const fs::path& path) {
  std::string name = path.filename().string();
  for (const char* e : {".nii.gz", ".nii", ".nrrd", ".nhdr", ".mha", ".mhd"}) {
    const std::string s = e;
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0)
      return {name.substr(0, name.size() - s.size()), s};
  }
  return {name, ""};
}

// "<case>_0000" + extension, or an empty stem when the name has no channel suffix.
std::pair<std::string, std::string> splitChannelName(const fs::path& path) {
  const auto [name, ext] = splitExtension(path);
  if (ext.empty() || name.size() < 5 || name.compare(name.size() - 5, 5, "_0000") != 0) return {"", ""};
  return {name.substr(0, name.size() - 5), ext};
}

// The first NIfTI/NRRD/MetaImage file directly in `folder` (how nnU-Net users hand over a folder of cases), or "".
std::string volumeFileIn(const fs::path& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return "";
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder, ec))
    if (entry.is_regular_file(ec) && !splitExtension(entry.path()).second.empty()) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names.empty() ? "" : names.front();
}

}  // namespace

std::vector<fs::path> channelFiles(const std::vector<std::string>& inputs, int64_t channels) {
  if (inputs.empty()) throw Error(ErrorKind::Usage, "no input: give -i IMAGE (or one -i per channel)");
  std::vector<fs::path> files(inputs.begin(), inputs.end());
  for (const fs::path& f : files)
    if (const std::string image = volumeFileIn(f); !image.empty())
      throw Error(ErrorKind::Usage, f.string() + ": holds image files (" + image + ", ...), not a DICOM series: give one case's "
                                                 "files (-i " + (f / image).string() + "); for a folder of cases use "
                                                 "krait batch --input-dir " + f.string() + " -o OUTDIR");
  if (files.size() != 1 || channels == 1) return files;
  const auto [stem, ext] = splitChannelName(files[0]);
  if (stem.empty()) return files;  // one multi-channel file, or the count check in readCase says why not
  for (int64_t c = 1; c < channels; ++c) {
    char suffix[8];
    std::snprintf(suffix, sizeof suffix, "_%04d", static_cast<int>(c));
    const fs::path next = files[0].parent_path() / (stem + suffix + ext);
    if (!fs::exists(next))
      throw inputError(next.string(), "missing channel file: the model expects " + std::to_string(channels) +
                                          " channels (" + stem + "_0000" + ext + " ... _" +
                                          std::string(suffix + 1) + ext + ")");
    files.push_back(next);
  }
  return files;
}

CaseInput readCase(const std::vector<fs::path>& files, const io::ReadOptions& options) {
  CaseInput c;
  c.files = files;
  for (const fs::path& f : files) c.volumes.push_back(io::readVolume(f, options));
  return c;
}

}  // namespace krait::cli
