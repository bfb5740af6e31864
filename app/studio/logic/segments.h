#pragma once
// The segment table: each label's name, colour and visibility (from the model's manifest when a model made
// the map, else "Label N" and the fixed palette) with its voxel count and volume.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "label_statistics.h"
#include "label_table.h"
#include "slice_image.h"
#include "krait/models/nnunet/model_store.h"

namespace krait::studio {

struct SegmentRow {
  int64_t label = 0;
  std::string name;
  Rgb colour;
  bool visible = true;
  int64_t voxels = 0;
  double millilitres = 0.0;
};

class Segments {
 public:
  // Names and colours of a model's labels; labels it does not name keep theirs.
  void describe(const std::vector<models::LabelEntry>& labels);
  // Names and colours of a label table (label_table.h): a colour-only table colours labels without naming them.
  void describe(const std::vector<LabelDescription>& table);
  // A name the user gave in the table; empty goes back to "Label N".
  void rename(int64_t label, const std::string& name);
  void clear() { names_.clear(), styles_.clear(); }
  std::string name(int64_t label) const;
  const LabelStyles& styles() const { return styles_; }
  void setVisible(int64_t label, bool visible);
  // Every named label (present or not) and every label present, in increasing order.
  std::vector<SegmentRow> rows(const std::vector<LabelStatistics>& present) const;

 private:
  LabelStyle& style(int64_t label);
  std::map<int64_t, std::string> names_;
  LabelStyles styles_;
};

}  // namespace krait::studio
