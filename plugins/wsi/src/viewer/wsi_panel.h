// krait-studio's whole-slide image panel (registered by the plugin through Host::panel<WsiPanel>): the slide
// (SlideView) with its navigator, the pipeline's layers (tissue, patch grid, attention heatmap) and their
// controls, the slide's facts (vendor, size, levels, pixel size and where it came from), the model's prediction,
// and the associated images, which stay hidden until asked for: a slide's label and macro images may show the
// patient's name. Every error is said in the panel; nothing is thrown out of a Qt slot.
#pragma once

#include <QString>
#include <QStringList>
#include <QWidget>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "overlay.h"
#include "overlays.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QSlider;

namespace krait::wsi {

class Navigator;
class SlideView;
struct SlideResults;

class WsiPanel : public QWidget {
 public:
  explicit WsiPanel(QWidget* parent = nullptr);
  ~WsiPanel() override;

  // For Host::panel<WsiPanel>: the panel's QWidget*, and a slide file to show.
  static void* create(void* parentWidget);
  static void open(void* panel, const std::string& path);

  // Opens the slide and shows it fitted, without the previous slide's layers and with its associated images
  // hidden, then the results beside it if `krait wsi` wrote them there (<slide's folder>/<slide name>/, from
  // `-o <slide's folder>`); false, with the reason in the panel, when it cannot be opened.
  bool openSlide(const std::string& path);
  // The results in `directory` (results_reader.h: tissue.geojson, patches.json, scores.json) over the open
  // slide, replacing its layers; the attention is shown as percentile ranks (heatmap.h), as CLAM's heatmaps do. False, with
  // the reason in the panel, without a slide, when a file cannot be read, or when the results lie off the slide.
  bool loadResults(const std::string& directory);

  // The layers directly (level-0 pixels); setHeatmap's scores are shown as given, 0 to 1 (false, with the reason
  // in the panel, without one score per patch).
  void setTissue(std::vector<TissueRegion> regions);
  void setPatches(PatchLayer layer);
  bool setHeatmap(PatchLayer layer);

  // The associated images (label, macro, thumbnail): read and shown only when asked, hidden again for each slide.
  void setAssociatedImagesShown(bool shown);
  bool associatedImagesShown() const;
  QStringList associatedImageNames() const;

  SlideView* view() const { return view_; }
  Navigator* navigator() const { return navigator_; }
  QString errorText() const;       // empty when none
  QString infoText() const;        // file, vendor, size, levels, pixel size and its source
  QString predictionText() const;  // rich text: the predicted class and the probabilities; empty without

 private:
  struct LayerControls;
  void showError(const QString& message);
  void applyResults(const SlideResults& results);
  void refreshLayerLabels();
  void showAssociatedImages();

  SlideView* view_;
  Navigator* navigator_;
  QLabel* info_;
  QLabel* error_;
  QLabel* prediction_;
  std::array<std::unique_ptr<LayerControls>, 3> layers_;  // by Layer
  QSlider* threshold_;
  QLabel* thresholdValue_;
  QComboBox* colormap_;
  QLabel* associatedNames_;
  QCheckBox* showAssociated_;
  QWidget* associatedImages_;
};

}  // namespace krait::wsi
