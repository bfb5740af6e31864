#include "dicom_tags.h"

#include <cstdlib>

namespace krait::io::dicom {

std::string getString(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  if (item.findAndGetOFStringArray(tag, value).bad()) return {};
  std::string s = value.c_str();
  s.erase(0, s.find_first_not_of(' '));
  s.erase(s.find_last_not_of(' ') + 1);
  return s;
}

std::vector<double> getNumbers(DcmItem& item, const DcmTagKey& tag) {
  std::vector<double> out;
  DcmElement* e = nullptr;
  if (item.findAndGetElement(tag, e).bad() || !e) return out;
  const unsigned long n = e->getVM();
  for (unsigned long i = 0; i < n; ++i) {
    Float64 v;
    if (e->getFloat64(v, i).good()) {
      out.push_back(v);
      continue;
    }
    // Decimal strings (DS) and integer strings (IS) come as text.
    OFString text;
    if (e->getOFString(text, i).bad()) return {};
    char* end = nullptr;
    const double d = std::strtod(text.c_str(), &end);
    if (end == text.c_str()) return {};
    out.push_back(d);
  }
  return out;
}

std::optional<double> getNumber(DcmItem& item, const DcmTagKey& tag) {
  const auto v = getNumbers(item, tag);
  if (v.empty()) return std::nullopt;
  return v[0];
}

int getInt(DcmItem& item, const DcmTagKey& tag, int fallback) {
  const auto v = getNumber(item, tag);
  return v ? static_cast<int>(*v) : fallback;
}

DcmItem* functionalGroup(DcmItem& dataset, const DcmTagKey& macro, unsigned long frame) {
  DcmItem* group = nullptr;
  DcmItem* found = nullptr;
  if (dataset.findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, group, static_cast<signed long>(frame)).good() &&
      group && group->findAndGetSequenceItem(macro, found, 0).good() && found)
    return found;
  if (dataset.findAndGetSequenceItem(DCM_SharedFunctionalGroupsSequence, group, 0).good() && group &&
      group->findAndGetSequenceItem(macro, found, 0).good() && found)
    return found;
  return nullptr;
}

}  // namespace krait::io::dicom
