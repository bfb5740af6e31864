#include "label_table.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>

#include "krait/base/error.h"

namespace fs = std::filesystem;

namespace krait::studio {
namespace {

bool integer(const std::string& s) {
  return !s.empty() && std::all_of(s.begin() + (s[0] == '-' ? 1 : 0), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::array<int, 3> rgb(int r, int g, int b) { return {std::clamp(r, 0, 255), std::clamp(g, 0, 255), std::clamp(b, 0, 255)}; }

// One line of a text table, or nothing for a comment, a blank line or the background's "0 Unclassified".
std::optional<LabelDescription> parseLine(const std::string& raw, const fs::path& file, int lineNo) {
  std::string line = raw;
  if (const auto hash = line.find('#'); hash != std::string::npos && line.find('"') == std::string::npos) line.resize(hash);
  std::istringstream in(line);
  std::vector<std::string> fields;
  for (std::string f; in >> f;) fields.push_back(f);
  if (fields.empty()) return std::nullopt;
  if (!integer(fields[0])) throw inputError(file.string(), "line " + std::to_string(lineNo) + " does not start with a label value");
  LabelDescription d;
  d.value = std::stoll(fields[0]);
  if (const auto open = line.find('"'); open != std::string::npos) {
    // ITK-SNAP: IDX R G B A VIS MSH "LABEL"
    const auto close = line.find('"', open + 1);
    if (fields.size() < 8 || close == std::string::npos || !integer(fields[1]) || !integer(fields[2]) || !integer(fields[3]))
      throw inputError(file.string(), "line " + std::to_string(lineNo) + " is not an ITK-SNAP label description");
    d.name = line.substr(open + 1, close - open - 1);
    d.colour = rgb(std::stoi(fields[1]), std::stoi(fields[2]), std::stoi(fields[3]));
  } else if (fields.size() >= 5 && integer(fields[2]) && integer(fields[3]) && integer(fields[4])) {
    // 3D Slicer colour table and FreeSurfer LUT: value name R G B [A]
    d.name = fields[1];
    d.colour = rgb(std::stoi(fields[2]), std::stoi(fields[3]), std::stoi(fields[4]));
  } else if (fields.size() >= 2) {
    // MRIcron: value name [code]
    d.name = fields[1];
  } else {
    throw inputError(file.string(), "line " + std::to_string(lineNo) + " names no label");
  }
  std::replace(d.name.begin(), d.name.end(), '_', ' ');
  return d;
}

std::vector<LabelDescription> readMricronLut(const fs::path& file, const std::string& bytes) {
  if (bytes.size() != 768) throw inputError(file.string(), "an MRIcron colour table has 768 bytes, this one " + std::to_string(bytes.size()));
  std::vector<LabelDescription> out;
  for (int v = 1; v < 256; ++v) {
    const auto at = [&](int plane) { return static_cast<int>(static_cast<unsigned char>(bytes[static_cast<size_t>(plane * 256 + v)])); };
    out.push_back({v, "", rgb(at(0), at(1), at(2))});
  }
  return out;
}

}  // namespace

std::vector<LabelDescription> readLabelTable(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw inputError(file.string(), "cannot open");
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (file.extension() == ".lut" && bytes.size() == 768) return readMricronLut(file, bytes);
  std::vector<LabelDescription> out;
  std::istringstream lines(bytes);
  int lineNo = 0;
  for (std::string line; std::getline(lines, line);) {
    ++lineNo;
    if (const auto d = parseLine(line, file, lineNo); d && d->value != 0) out.push_back(*d);
  }
  if (out.empty()) throw inputError(file.string(), "names no label");
  return out;
}

std::vector<LabelDescription> labelTableBeside(const fs::path& labelMap, std::vector<fs::path>* found) {
  // aal.nii.gz -> aal.nii and aal; the tables beside it add .txt, .lut, ...
  std::vector<std::string> stems{labelMap.filename().string()};
  for (std::string s = stems.back(); s.find('.') != std::string::npos;) {
    s.resize(s.rfind('.'));
    stems.push_back(s);
  }
  std::map<int64_t, LabelDescription> merged;
  for (const std::string& stem : std::vector<std::string>(stems.begin() + 1, stems.end()))
    for (const char* ext : {".txt", ".ctbl", ".label", ".lut"}) {
      const fs::path table = labelMap.parent_path() / (stem + ext);
      std::error_code ec;
      if (!fs::is_regular_file(table, ec)) continue;
      for (const LabelDescription& d : readLabelTable(table)) {
        LabelDescription& m = merged.try_emplace(d.value, LabelDescription{d.value, "", std::nullopt}).first->second;
        if (m.name.empty()) m.name = d.name;
        if (!m.colour) m.colour = d.colour;
      }
      if (found) found->push_back(table);
    }
  std::vector<LabelDescription> out;
  for (auto& [value, d] : merged) out.push_back(std::move(d));
  return out;
}

}  // namespace krait::studio
