#pragma once
// The segment table: colour, value, name, visibility, volume (mL) and voxel count of every label, with the
// overlay's opacity above it. Ticking a row's box shows or hides that label in every view; double-clicking a
// name renames the label.
#include <QWidget>

#include "viewer_state.h"

class QSlider;
class QTableWidget;

namespace krait::studio {

class SegmentTable : public QWidget {
  Q_OBJECT
 public:
  SegmentTable(ViewerState& state, QWidget* parent = nullptr);
  // Recounts the shown labels (after a load, a preview, an edit).
  void refresh();
  QTableWidget* table() const { return table_; }
  QSlider* opacity() const { return opacity_; }
  // What the table shows, as of the last refresh().
  const std::vector<SegmentRow>& rows() const { return rows_; }
  // The label of the selected row; 0 when none.
  int64_t selectedLabel() const;

 Q_SIGNALS:
  void opacityChanged();
  void visibilityChanged();  // a label was shown or hidden
  void labelChosen(int64_t label);

 private:
  ViewerState& state_;
  QTableWidget* table_ = nullptr;
  QSlider* opacity_ = nullptr;
  std::vector<SegmentRow> rows_;
  bool filling_ = false;
};

}  // namespace krait::studio
