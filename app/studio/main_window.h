#pragma once
// krait-studio's window: three linked slice views and the 3D view, the Segment panel and the segment table,
// the editing tools, and the File menu (images, DICOM folders, recent files, label maps, DICOM SEG, the PACS
// browser, STL, screenshots).
// Every file action has a method returning its error (empty on success) so that tests drive the same code
// the menus do; with `quiet` the error is not also shown in a dialog.
#include <QMainWindow>
#include <QMessageBox>
#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "krait/io/dicom.h"
#include "series_rows.h"
#include "viewer_state.h"

class QAction;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QMenu;
class QSpinBox;
class QTimer;

namespace krait::studio {

class PacsBrowser;
class PluginDocks;
class SegmentTable;
class SegmentationPanel;
class SliceView;
class ThreeDView;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;
  // Opens a NIfTI / NRRD / MHA / DICOM file, or a DICOM folder (the series `seriesUid`, else asking which when
  // it holds several), through the same I/O as the CLI. The current image stays when it fails or the user
  // cancels.
  QString openPath(const QString& path, bool quiet = false, const std::string& seriesUid = "");
  // A label map shown as the overlay, named and coloured by the label tables beside it (label_table.h); one on
  // another grid is resampled onto the image's when the user agrees (nearest neighbour).
  QString openLabels(const QString& path, bool quiet = false);
  // Label names and colours from a table file (ITK-SNAP, 3D Slicer, FreeSurfer, MRIcron).
  QString openLabelNames(const QString& path, bool quiet = false);
  // The label map (UInt8 when it fits) in the image's geometry; the file appears only when complete.
  QString saveLabels(const QString& path, bool quiet = false);
  QString exportStl(int64_t label, const QString& path, bool quiet = false);
  // The whole window as PNG.
  QString saveScreenshot(const QString& path, bool quiet = false);
  // A DICOM SEG made from the open DICOM series, as the label map with its segments' names and colours. One
  // made from another series is refused and nothing changes.
  QString openSeg(const QString& path, bool quiet = false);
  // The labels as a DICOM SEG referencing the open DICOM series (dicom_seg_labels.h).
  QString saveSeg(const QString& path, bool quiet = false);
  // The labels as a SEG sent to the PACS node `node` (empty: the user picks one) on the PACS browser's worker;
  // the browser and the status bar say how it went. Returns what stops it from starting.
  QString sendSegToPacs(const QString& node, bool quiet = false);
  // The PACS browser, made (reading the PACS settings) on first use.
  PacsBrowser* pacsBrowser();

  // Which series to open from a DICOM folder's table; by default the series picker dialog.
  using SeriesChooser = std::function<std::optional<std::string>(const std::vector<SeriesRow>&)>;
  void setSeriesChooser(SeriesChooser chooser) { chooseSeries_ = std::move(chooser); }
  // Asked when unsaved label edits would be lost: Save, Discard or Cancel. By default a message box.
  using UnsavedPrompt = std::function<QMessageBox::StandardButton()>;
  void setUnsavedPrompt(UnsavedPrompt prompt) { unsavedPrompt_ = std::move(prompt); }
  // Asked when a label map lies on another grid (what differs, in words): true resamples it onto the image's.
  using ResamplePrompt = std::function<bool(const QString& differences)>;
  void setResamplePrompt(ResamplePrompt prompt) { resamplePrompt_ = std::move(prompt); }

  const ViewerState& state() const { return state_; }
  ViewerState& state() { return state_; }
  SliceView* view(ViewPlane plane) const { return views_[static_cast<int>(plane)]; }
  // Null where the display has no OpenGL 3.2.
  ThreeDView* threeDView() const { return threeD_; }
  SegmentationPanel* segmentationPanel() const { return panel_; }
  SegmentTable* segmentTable() const { return table_; }
  PluginDocks* pluginDocks() const { return pluginDocks_; }
  QString statusText() const;
  QStringList recentFiles() const;
  QString labelsPath() const { return labelsPath_; }
  // The DICOM series the image was read from; null for other files.
  const io::DicomSeries* dicomSeries() const { return series_ ? &*series_ : nullptr; }

 protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void buildMenus();
  void buildToolBars();
  void refresh();           // crosshair, window or style: repaint
  void labelsChanged();     // the shown map changed: recount, repaint, redo the surfaces soon
  void updateSurfaces();
  void applyPreset(int index);
  void showWindowValues();  // the W and L boxes follow the window
  void updateStartText();   // what the empty views say: how to open a scan, and the recent files
  void showShortcuts();
  void showImage(Volume image, const QString& path, std::optional<io::DicomSeries> series = std::nullopt);
  void rememberRecent(const QString& path);
  void fillRecentMenu();
  // False when the user cancels; saves first when asked to.
  bool confirmDiscardingEdits();
  QString chooseSaveLabelsPath();
  // Empty when the image is a DICOM series; else why `action` needs one (also in a dialog unless quiet).
  QString requireDicomSeries(const QString& action, bool quiet);
  QString fail(const QString& action, const QString& message, bool quiet);

  ViewerState state_;
  std::array<SliceView*, 3> views_{};
  ThreeDView* threeD_ = nullptr;
  SegmentationPanel* panel_ = nullptr;
  SegmentTable* table_ = nullptr;
  PluginDocks* pluginDocks_ = nullptr;
  PacsBrowser* pacs_ = nullptr;
  QLabel* readout_ = nullptr;
  QComboBox* presets_ = nullptr;
  QDoubleSpinBox *windowWidth_ = nullptr, *windowLevel_ = nullptr;
  QSpinBox *brushSize_ = nullptr, *brushLabel_ = nullptr;
  QMenu* recentMenu_ = nullptr;
  QAction* volumeRendering_ = nullptr;
  QTimer* surfaceTimer_ = nullptr;
  QString imagePath_, labelsPath_;
  std::optional<io::DicomSeries> series_;
  SeriesChooser chooseSeries_;
  UnsavedPrompt unsavedPrompt_;
  ResamplePrompt resamplePrompt_;
};

}  // namespace krait::studio
