#include "segments.h"

namespace krait::studio {

LabelStyle& Segments::style(int64_t label) {
  return styles_.try_emplace(label, LabelStyle{labelColour(label), true}).first->second;
}

void Segments::describe(const std::vector<models::LabelEntry>& labels) {
  for (const auto& entry : labels) {
    names_[entry.value] = entry.name;
    style(entry.value).colour = toRgb(entry.colour);
  }
}

void Segments::describe(const std::vector<LabelDescription>& table) {
  for (const LabelDescription& d : table) {
    if (!d.name.empty()) names_[d.value] = d.name;
    if (d.colour) style(d.value).colour = toRgb(*d.colour);
  }
}

void Segments::rename(int64_t label, const std::string& name) {
  if (name.empty()) names_.erase(label);
  else names_[label] = name;
}

std::string Segments::name(int64_t label) const {
  const auto it = names_.find(label);
  return it != names_.end() ? it->second : "Label " + std::to_string(label);
}

void Segments::setVisible(int64_t label, bool visible) { style(label).visible = visible; }

std::vector<SegmentRow> Segments::rows(const std::vector<LabelStatistics>& present) const {
  std::map<int64_t, SegmentRow> byLabel;
  for (const auto& [label, name] : names_) byLabel[label].name = name;
  for (const auto& s : present) {
    SegmentRow& row = byLabel[s.label];
    row.voxels = s.voxels;
    row.millilitres = s.millilitres;
  }
  std::vector<SegmentRow> out;
  for (auto& [label, row] : byLabel) {
    row.label = label;
    row.name = name(label);
    const LabelStyle st = styleOf(styles_, label);
    row.colour = st.colour;
    row.visible = st.visible;
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace krait::studio
