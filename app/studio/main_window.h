#pragma once
// krait-studio's window: three linked slice views, File > Open, window presets, the status bar's readout.
#include <QMainWindow>
#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "series_rows.h"
#include "viewer_state.h"

class QComboBox;
class QLabel;

namespace krait::studio {

class SliceView;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  // Opens a NIfTI / NRRD / MHA / DICOM file, or a DICOM folder (asking which series when it holds several),
  // through the same I/O as the CLI. Returns the error, empty on success or when the user cancels; the error
  // is also shown in a dialog unless `quiet` (tests read it); the current image stays.
  QString openPath(const QString& path, bool quiet = false);
  // Which series to open from a DICOM folder's table; by default the series picker dialog.
  using SeriesChooser = std::function<std::optional<std::string>(const std::vector<SeriesRow>&)>;
  void setSeriesChooser(SeriesChooser chooser) { chooseSeries_ = std::move(chooser); }
  const ViewerState& state() const { return state_; }
  SliceView* view(ViewPlane plane) const { return views_[static_cast<int>(plane)]; }
  QString statusText() const;

 private:
  void refresh();
  void applyPreset(int index);
  void openFromDialog();
  void openFolderFromDialog();
  void showImage(Volume image, const QString& path);
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

  ViewerState state_;
  std::array<SliceView*, 3> views_{};
  QLabel* readout_ = nullptr;
  QComboBox* presets_ = nullptr;
  SeriesChooser chooseSeries_;
};

}  // namespace krait::studio
