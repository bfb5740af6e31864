#pragma once
// Small typed accessors over DCMTK items: missing or empty attributes read as empty, never as errors, so the
// callers state their own fallbacks.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <vector>

namespace krait::io::dicom {

std::string getString(DcmItem& item, const DcmTagKey& tag);
std::vector<double> getNumbers(DcmItem& item, const DcmTagKey& tag);
std::optional<double> getNumber(DcmItem& item, const DcmTagKey& tag);
// Exactly N numbers (a position, an orientation, a spacing), else none; none for a missing item too.
template <std::size_t N> std::optional<std::array<double, N>> fixed(DcmItem* item, const DcmTagKey& tag) {
  if (!item) return std::nullopt;
  const std::vector<double> v = getNumbers(*item, tag);
  if (v.size() != N) return std::nullopt;
  std::array<double, N> a{};
  std::copy(v.begin(), v.end(), a.begin());
  return a;
}
int getInt(DcmItem& item, const DcmTagKey& tag, int fallback);

// Enhanced (multi-frame) objects keep per-frame attributes in functional groups: the item of `macro`
// (e.g. PlanePositionSequence) for this frame, looked up per frame first, then in the shared groups.
DcmItem* functionalGroup(DcmItem& dataset, const DcmTagKey& macro, unsigned long frame);

}  // namespace krait::io::dicom
