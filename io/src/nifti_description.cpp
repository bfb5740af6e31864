#include "nifti_description.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>

#include "krait/base/error.h"

namespace fs = std::filesystem;

namespace krait::io {

namespace {

constexpr std::streamoff kDescripOffset = 148;  // in a NIfTI-1 header (nifti1.h)
constexpr std::size_t kDescripBytes = 80;

}  // namespace

void setNiftiDescription(const fs::path& nii, const std::string& description, const std::string& shownName) {
  std::fstream f(nii, std::ios::in | std::ios::out | std::ios::binary);
  int32_t headerSize = 0;
  f.read(reinterpret_cast<char*>(&headerSize), sizeof headerSize);
  // ITK writes NIfTI-1 in this machine's byte order; anything else is not the file it was asked for.
  if (!f || headerSize != 348) throw outputError(shownName, "cannot write: not the NIfTI-1 header that ITK writes");
  char descrip[kDescripBytes] = {};
  std::memcpy(descrip, description.data(), std::min(description.size(), kDescripBytes - 1));
  f.seekp(kDescripOffset);
  f.write(descrip, sizeof descrip);
  f.flush();
  if (!f) throw outputError(shownName, "cannot write the header's description");
}

}  // namespace krait::io
