#include "metaimage_check.h"

#include <zlib.h>

#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "krait/base/error.h"

namespace fs = std::filesystem;

namespace krait::io {

namespace {

int64_t elementBytes(const std::string& type) {
  static const std::map<std::string, int64_t> sizes{
      {"MET_CHAR", 1},  {"MET_UCHAR", 1},  {"MET_SHORT", 2},  {"MET_USHORT", 2}, {"MET_INT", 4},
      {"MET_UINT", 4},  {"MET_LONG", 4},   {"MET_ULONG", 4},  {"MET_LONG_LONG", 8}, {"MET_ULONG_LONG", 8},
      {"MET_FLOAT", 4}, {"MET_DOUBLE", 8},
  };
  const auto it = sizes.find(type);
  return it == sizes.end() ? 0 : it->second;
}

// Inflates `compressed` and returns how many bytes it yields; -1 if the stream is cut or corrupt.
int64_t inflatedSize(const std::string& compressed) {
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return -1;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(compressed.size());
  std::vector<Bytef> out(1 << 20);
  int64_t total = 0;
  int rc;
  do {
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    rc = inflate(&z, Z_NO_FLUSH);
    total += static_cast<int64_t>(out.size() - z.avail_out);
  } while (rc == Z_OK);
  inflateEnd(&z);
  return rc == Z_STREAM_END ? total : -1;
}

}  // namespace

void checkMetaImageComplete(const fs::path& header) {
  const std::string name = header.string();
  std::ifstream in(header, std::ios::binary);
  std::map<std::string, std::string> fields;
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(" \t\r"));
      s.erase(s.find_last_not_of(" \t\r") + 1);
      return s;
    };
    const std::string key = trim(line.substr(0, eq));
    fields[key] = trim(line.substr(eq + 1));
    if (key == "ElementDataFile") break;  // the voxel data starts on the next byte
  }
  const std::streamoff dataStart = in.tellg();
  std::istringstream dims(fields["DimSize"]);
  int64_t expected = elementBytes(fields["ElementType"]);
  const int64_t channels = fields.count("ElementNumberOfChannels") ? std::stoll(fields["ElementNumberOfChannels"]) : 1;
  expected *= channels;
  for (int64_t d; dims >> d;) expected *= d;
  const std::string file = fields["ElementDataFile"];
  // Lists of slice files and unknown element types are left to ITK's own checks.
  if (expected <= 0 || file.empty() || file == "LIST" || file.find('%') != std::string::npos) return;

  std::string data;
  if (file == "LOCAL") {
    if (dataStart < 0) throw inputError(name, "header announces voxel data but the file ends after it");
    data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else {
    std::ifstream raw(header.parent_path() / file, std::ios::binary);
    if (!raw) throw inputError(name, "voxel data file " + file + " cannot be opened");
    data.assign(std::istreambuf_iterator<char>(raw), std::istreambuf_iterator<char>());
  }
  const bool compressed = fields["CompressedData"] == "True" || fields["CompressedData"] == "true";
  const int64_t available = compressed ? inflatedSize(data) : static_cast<int64_t>(data.size());
  if (available < expected)
    throw inputError(name, compressed ? "compressed voxel data is truncated or corrupt"
                                      : "voxel data is truncated (" + std::to_string(available) + " of " +
                                            std::to_string(expected) + " bytes)");
}

}  // namespace krait::io
