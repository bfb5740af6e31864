#include "leads.h"

#include <algorithm>
#include <cctype>

namespace krait::ecg {
namespace {

bool sameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

}  // namespace

int findLead(const Record& record, std::string_view name) {
  for (std::size_t l = 0; l < record.leads.size(); ++l)
    if (sameName(record.leads[l], name)) return static_cast<int>(l);
  return -1;
}

std::optional<LimbLead> derivableLimbLead(std::string_view name) {
  for (const auto& [text, lead] : {std::pair{"III", LimbLead::III}, std::pair{"aVR", LimbLead::aVR},
                                   std::pair{"aVL", LimbLead::aVL}, std::pair{"aVF", LimbLead::aVF}})
    if (sameName(name, text)) return lead;
  return std::nullopt;
}

std::vector<double> deriveLimbLead(LimbLead lead, const std::vector<float>& I, const std::vector<float>& II) {
  std::vector<double> out(I.size());
  for (std::size_t t = 0; t < I.size(); ++t) {
    const double i = I[t], ii = II[t];
    switch (lead) {
      case LimbLead::III: out[t] = ii - i; break;
      case LimbLead::aVR: out[t] = -(i + ii) / 2; break;
      case LimbLead::aVL: out[t] = i - ii / 2; break;
      case LimbLead::aVF: out[t] = ii - i / 2; break;
    }
  }
  return out;
}

}  // namespace krait::ecg
