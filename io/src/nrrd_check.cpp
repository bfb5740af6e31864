#include "nrrd_check.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "header_text.h"
#include "inflated_size.h"
#include "numbered_files.h"
#include "krait/base/error.h"

namespace fs = std::filesystem;

namespace krait::io {

namespace {

struct Header {
  std::map<std::string, std::string> fields;  // NRRD field name -> description (key/value pairs are not kept)
  std::vector<std::string> listedFiles;       // the names after "data file: LIST"
  std::streamoff dataStart = -1;              // where attached data begins, after the blank line
};

// The fields as NrrdIO reads them: "name: description" lines, "key:=value" pairs and "#" comments, up to the blank
// line that starts attached data; after "data file: LIST" every further line names a data file.
Header readHeader(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  Header h;
  std::string line;
  std::getline(in, line);  // the NRRD000N magic, which ITK has checked
  bool list = false;
  while (std::getline(in, line)) {
    line = trimmed(line);
    if (list) {
      if (!line.empty()) h.listedFiles.push_back(line);
      continue;
    }
    if (line.empty()) {
      h.dataStart = in.tellg();
      break;
    }
    if (line[0] == '#' || line.find(":=") != std::string::npos) continue;
    const std::size_t colon = line.find(": ");
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (const char* spaced : {"data file", "byte skip", "line skip"})
      if (name == spaced) name.erase(name.find(' '), 1);
    h.fields[name] = trimmed(line.substr(colon + 2));
    list = name == "datafile" && h.fields[name].rfind("LIST", 0) == 0;
  }
  return h;
}

// A regular file's size; a folder, device or pipe as a data file is refused (/dev/zero would never end).
uint64_t dataFileSize(const fs::path& file, const std::string& name) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) throw inputError(name, "voxel data file " + file.string() + " is not a file");
  return fs::file_size(file, ec);
}

// Where the data of `file` starts once `lines` lines are skipped from `offset` (NRRD's line skip, which comes
// before decompression).
uint64_t afterLines(const fs::path& file, uint64_t offset, long long lines) {
  std::ifstream in(file, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  for (std::string line; lines > 0 && std::getline(in, line); --lines) offset += line.size() + 1;
  return offset;
}

long long number(const Header& h, const std::string& field) {
  long long value = 0;
  if (const auto it = h.fields.find(field); it != h.fields.end()) std::istringstream(it->second) >> value;
  return value;
}

// How many bytes of voxels the data the header points at gives: what follows the blank line, or the detached
// files, after their line skip, inflated when gzip'd, less their byte skip (which NrrdIO applies after inflating).
uint64_t availableBytes(const fs::path& path, const Header& h, bool gzip) {
  const std::string name = path.string();
  const long long byteSkip = std::max(number(h, "byteskip"), 0LL);  // -1, "the data ends the file", skips nothing here
  const long long lineSkip = number(h, "lineskip");
  std::vector<std::pair<fs::path, uint64_t>> files;  // each data file and where its data begins
  const auto fileField = h.fields.find("datafile");
  if (fileField == h.fields.end()) {
    if (h.dataStart < 0) throw inputError(name, "header announces voxel data but the file ends after it");
    files.emplace_back(path, static_cast<uint64_t>(h.dataStart));
  } else {
    std::vector<std::string> names;
    if (fileField->second.rfind("LIST", 0) == 0) names = h.listedFiles;
    else if (fileField->second.find('%') != std::string::npos) names = numberedFiles(fileField->second, name).names;
    else names = {fileField->second};
    for (const std::string& file : names)
      files.emplace_back(fs::path(file).is_absolute() ? fs::path(file) : path.parent_path() / file, 0);
  }
  uint64_t total = 0;
  for (const auto& [file, start] : files) {
    const uint64_t size = dataFileSize(file, name);
    const uint64_t offset = afterLines(file, start, lineSkip);
    uint64_t bytes = size - std::min(size, offset);
    if (gzip) {
      const int64_t inflated = inflatedSize(file, offset);
      if (inflated < 0) throw inputError(name, "gzip voxel data in " + file.string() + " is truncated or corrupt");
      bytes = static_cast<uint64_t>(inflated);
    }
    total += bytes - std::min<uint64_t>(bytes, byteSkip);
  }
  return total;
}

}  // namespace

void checkNrrdData(const fs::path& header, uint64_t expectedBytes) {
  const std::string name = header.string();
  const Header h = readHeader(header);
  const auto encodingField = h.fields.find("encoding");
  const std::string encoding = encodingField == h.fields.end() ? "" : encodingField->second;
  if (encoding == "bzip2" || encoding == "bz2")
    throw inputError(name, "bzip2-encoded voxel data: ITK's NRRD reader cannot decode it (raw, gzip, hex and ASCII it can)");
  const bool gzip = encoding == "gzip" || encoding == "gz";
  const uint64_t available = availableBytes(header, h, gzip);
  // The most bytes of voxels that much data can give: hex spells a byte in two characters, and ASCII needs a
  // character per value, which is at most 8 bytes.
  uint64_t most = available;
  if (encoding == "hex") most = available / 2;
  else if (encoding == "ascii" || encoding == "text" || encoding == "txt") most = available * 8;
  if (expectedBytes > most)
    throw inputError(name, encoding == "hex" || most != available
                               ? "the header announces " + std::to_string(expectedBytes) + " bytes of voxels, more than its " +
                                     std::to_string(available) + " bytes of " + encoding + " data can hold"
                               : std::string(gzip ? "gzip " : "") + "voxel data is truncated (" + std::to_string(available) +
                                     " of " + std::to_string(expectedBytes) + " bytes)");
}

}  // namespace krait::io
