#include "metaimage_check.h"

#include <cctype>
#include <charconv>
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

// MetaIO's fixed arrays (metaUtils.h, metaImage.h): 255 characters for names and string values.
constexpr std::size_t kMetaIoText = 254;
constexpr int64_t kMaxBytes = int64_t{1} << 50;

int64_t elementBytes(const std::string& type) {
  static const std::map<std::string, int64_t> sizes{
      {"MET_CHAR", 1},  {"MET_UCHAR", 1},  {"MET_SHORT", 2},  {"MET_USHORT", 2}, {"MET_INT", 4},
      {"MET_UINT", 4},  {"MET_LONG", 4},   {"MET_ULONG", 4},  {"MET_LONG_LONG", 8}, {"MET_ULONG_LONG", 8},
      {"MET_FLOAT", 4}, {"MET_DOUBLE", 8},
  };
  const auto it = sizes.find(type);
  return it == sizes.end() ? 0 : it->second;
}

// A whole decimal integer, or nothing.
bool parseInteger(const std::string& text, int64_t& value) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

struct Header {
  std::map<std::string, std::string> fields;
  std::streamoff dataStart = -1;  // where LOCAL voxel data begins
};

// The header's fields as MetaIO's MET_Read takes them: a name runs up to '=', ':' or the end of the line, the value
// to the end of the line, and reading stops after ElementDataFile. Names and values MetaIO could not hold are refused.
Header readHeader(std::ifstream& in, const std::string& name) {
  Header h;
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t separator = line.find_first_of("=:");
    const std::string key = trimmed(line.substr(0, separator));
    const std::string value = separator == std::string::npos ? "" : trimmed(line.substr(separator + 1));
    if (key.size() > kMetaIoText || value.size() > kMetaIoText)
      throw inputError(name, "header line of " + std::to_string(line.size()) + " characters: ITK's MetaImage reader "
                             "holds names and values of at most 254 characters");
    if (key.empty()) continue;
    // MetaIO keeps names and values as C strings: they end at a NUL ("MET_UCHAR\0..." is MET_UCHAR to it).
    const std::string shortKey = key.substr(0, key.find('\0'));
    const std::string shortValue = value.substr(0, value.find('\0'));
    // A name that ends at the line's end makes MetaIO take the next line as its value, so that a following
    // ElementDataFile is swallowed and the voxels read as header (fuzzing: a 255-character overflow again).
    if (separator == std::string::npos)
      throw inputError(name, "header line '" + key.substr(0, 40) + "' has no '=': ITK's MetaImage reader would take the next line as its value");
    // MetaIO acts on each line as it comes: a first "NDims = 58888888" sized the arrays read after it, and a second
    // NDims then passed Krait's check (fuzzing: a minute inside MetaIO's header reader). No real header repeats one.
    if (!h.fields.emplace(shortKey, trimmed(shortValue)).second) throw inputError(name, "header field " + shortKey + " appears twice");
    if (shortKey == "ElementDataFile") {
      h.dataStart = in.tellg();
      break;
    }
  }
  return h;
}

}  // namespace

void checkMetaImageComplete(const fs::path& header) {
  const std::string name = header.string();
  std::ifstream in(header, std::ios::binary);
  Header h = readHeader(in, name);
  auto& fields = h.fields;
  int64_t dims = 0;
  if (!parseInteger(fields["NDims"], dims) || dims < 1 || dims > 4)
    throw inputError(name, "NDims '" + fields["NDims"] + "' is not 1 to 4 (Krait reads 1D to 4D MetaImage files)");
  int64_t channels = 1;
  if (fields.count("ElementNumberOfChannels") && (!parseInteger(fields["ElementNumberOfChannels"], channels) || channels < 1))
    throw inputError(name, "ElementNumberOfChannels '" + fields["ElementNumberOfChannels"] + "' is not a positive integer");
  std::istringstream sizes(fields["DimSize"]);
  std::vector<int64_t> size;
  for (std::string word; sizes >> word;) {
    int64_t d = 0;
    if (!parseInteger(word, d) || d < 1) throw inputError(name, "DimSize '" + fields["DimSize"] + "' holds a size below 1");
    size.push_back(d);
  }
  if (static_cast<int64_t>(size.size()) != dims)
    throw inputError(name, "DimSize '" + fields["DimSize"] + "' does not give NDims = " + std::to_string(dims) + " sizes");
  int64_t expected = elementBytes(fields["ElementType"]);
  if (expected == 0)
    throw inputError(name, "ElementType '" + fields["ElementType"] + "' is not one Krait reads (MET_CHAR to MET_DOUBLE)");
  size.push_back(channels);
  for (const int64_t factor : size)
    if (__builtin_mul_overflow(expected, factor, &expected) || expected > kMaxBytes)
      throw inputError(name, "header's image size is beyond any file");
  // MetaIO's own tests: "LOCAL" in three spellings, a "LIST" prefix, a '%' anywhere; compressed when the value starts
  // with T, t or 1. An empty name would open the header's folder, whose size MetaIO takes as -1 bytes of compressed
  // data (fuzz_metaimage: a new[] of 2^64 - 1 bytes).
  const std::string file = fields["ElementDataFile"];
  const std::string compression = fields["CompressedData"];
  const bool compressed = !compression.empty() && (compression[0] == 'T' || compression[0] == 't' || compression[0] == '1');
  const bool local = file == "LOCAL" || file == "Local" || file == "local";
  if (file.empty()) throw inputError(name, "ElementDataFile names no file");
  // MetaIO's reading of a LIST walks the header's remaining lines as file names with unchecked indices (fuzzing: a
  // LIST followed by a blank and a binary line read outside the process's memory); such files are refused.
  if (file.rfind("LIST", 0) == 0)
    throw inputError(name, "ElementDataFile = LIST (a list of slice files): ITK's MetaImage reader cannot read it "
                           "safely; write the image as one .mha or .mhd with one data file");
  const bool numbered = file.find('%') != std::string::npos;
  if (numbered && compressed)
    throw inputError(name, "compressed voxel data in numbered slice files: ITK's MetaImage reader cannot read it safely");
  // MetaIO counts numbered files up only (a step below 1 would never end) and prints their names with the format.
  if (numbered && numberedFiles(file, name).step < 1)
    throw inputError(name, "ElementDataFile '" + file + "' counts down: ITK's MetaImage reader counts slice files up");
  // Uncompressed numbered slice files are left to ITK's own checks.
  if (numbered) return;

  fs::path dataPath = header;
  uint64_t offset = 0;
  if (local) {
    if (h.dataStart < 0) throw inputError(name, "header announces voxel data but the file ends after it");
    offset = static_cast<uint64_t>(h.dataStart);
  } else {
    // Only a regular file: a folder throws from the stream, and a device (/dev/zero) or a pipe never ends.
    std::error_code ec;
    dataPath = header.parent_path() / file;
    if (!fs::is_regular_file(dataPath, ec)) throw inputError(name, "voxel data file " + file + " is not a file");
  }
  std::error_code ec;
  const uint64_t bytes = fs::file_size(dataPath, ec);
  if (ec) throw inputError(name, "voxel data file " + dataPath.string() + " cannot be read: " + ec.message());
  const int64_t available = compressed ? inflatedSize(dataPath, offset) : static_cast<int64_t>(bytes - std::min(bytes, offset));
  if (available < expected)
    throw inputError(name, compressed ? "compressed voxel data is truncated or corrupt"
                                      : "voxel data is truncated (" + std::to_string(available) + " of " +
                                            std::to_string(expected) + " bytes)");
}

}  // namespace krait::io
