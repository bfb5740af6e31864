#pragma once
// krait-studio's window: three linked slice views, File > Open, window presets, the status bar's readout.
#include <QMainWindow>
#include <array>

#include "viewer_state.h"

class QComboBox;
class QLabel;

namespace krait::studio {

class SliceView;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  // Reads a NIfTI / NRRD / MHA file through the same I/O as the CLI; on failure shows the error in a dialog
  // (unless `quiet`: tests read the returned message) and keeps the current image.
  QString openImage(const QString& path, bool quiet = false);
  const ViewerState& state() const { return state_; }
  SliceView* view(ViewPlane plane) const { return views_[static_cast<int>(plane)]; }
  QString statusText() const;

 private:
  void refresh();
  void applyPreset(int index);
  void openFromDialog();

  ViewerState state_;
  std::array<SliceView*, 3> views_{};
  QLabel* readout_ = nullptr;
  QComboBox* presets_ = nullptr;
};

}  // namespace krait::studio
