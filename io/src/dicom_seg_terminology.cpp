// The label-name terminology table (resources/terminology/segment_terminology.json) and its Tissue fallback.
#include <nlohmann/json.hpp>

#include <cctype>
#include <fstream>

#include "krait/base/error.h"
#include "krait/base/installed_data.h"
#include "krait/io/dicom_seg.h"

namespace krait::io {

namespace {

// "Brain_Stem", "brain-stem" and "brain  stem" are one name.
std::string normalisedName(const std::string& name) {
  std::string out;
  for (char ch : name) {
    const char c = ch == '_' || ch == '-' ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += c;
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

CodedConcept codedConcept(const nlohmann::json& j) {
  CodedConcept c{j.at("value").get<std::string>(), j.at("scheme").get<std::string>(), j.at("meaning").get<std::string>()};
  if (c.value.empty() || c.scheme.empty() || c.meaning.empty()) throw std::invalid_argument("a code has an empty field");
  return c;
}

}  // namespace

SegmentTerminology SegmentTerminology::load(const std::filesystem::path& json) {
  std::ifstream in(json);
  if (!in) throw inputError(json.string(), "cannot read the segment terminology table");
  SegmentTerminology table;
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    std::map<std::string, CodedConcept> categories;
    for (const auto& [key, value] : j.at("categories").items()) categories[key] = codedConcept(value);
    for (const auto& entry : j.at("segments")) {
      const std::string category = entry.at("category").get<std::string>();
      const auto c = categories.find(category);
      if (c == categories.end()) throw std::invalid_argument("unknown category \"" + category + "\"");
      const Terms terms{c->second, codedConcept(entry.at("type")), true};
      for (const auto& name : entry.at("names")) {
        if (!table.byName_.emplace(normalisedName(name.get<std::string>()), terms).second)
          throw std::invalid_argument("name \"" + name.get<std::string>() + "\" is listed twice");
      }
    }
  } catch (const std::exception& e) {  // JSON syntax, missing keys, wrong types, and the checks above
    throw inputError(json.string(), std::string("not a valid segment terminology table: ") + e.what());
  }
  return table;
}

std::filesystem::path defaultTerminologyFile() {
  const std::filesystem::path found = installedOrSourcePath(reinterpret_cast<const void*>(&defaultTerminologyFile),
                                                            KRAIT_TERMINOLOGY_FROM_LIB, KRAIT_SOURCE_TERMINOLOGY);
  if (found.empty())
    throw Error(ErrorKind::Input, "the segment terminology table is missing: neither share/krait/terminology/"
                                  "segment_terminology.json beside Krait's libraries nor " KRAIT_SOURCE_TERMINOLOGY
                                  " exists (an incomplete installation)");
  return found;
}

SegmentTerminology::Terms SegmentTerminology::lookup(const std::string& name) const {
  const auto it = byName_.find(normalisedName(name));
  if (it != byName_.end()) return it->second;
  // DICOM CID 7150 and 7191: the most general category and type a segment of unknown meaning can honestly claim.
  const CodedConcept tissue{"85756007", "SCT", "Tissue"};
  return {tissue, tissue, false};
}

}  // namespace krait::io
