// The pipeline's results drawn over the slide, in level-0 pixels mapped to the screen: the heatmap (patch squares
// coloured by score, nothing below a threshold), the patch grid (outlines, or a tint where squares are too small to
// outline) and the tissue outlines (holes dashed), in that order from the bottom. Each layer has its visibility
// and opacity; the colours are CLAM's (green tissue, blue holes).
#pragma once

#include <QPainterPath>

#include <array>
#include <vector>

#include "colormap.h"
#include "overlay.h"
#include "patch_image.h"
#include "view_transform.h"

class QPainter;

namespace krait::wsi {

enum class Layer { Tissue, Patches, Heatmap };

// A stretch of one of the patch grid's lines, level-0 pixels: at y from x to x (Across), or at x from y to y (Down).
struct GridRun {
  enum Direction { Across, Down } direction;
  double at, from, to;
};

struct LayerStyle {
  bool visible = true;
  double opacity = 1;  // 0 to 1; 0 draws nothing
};

class Overlays {
 public:
  Overlays();

  void setTissue(std::vector<TissueRegion> regions);
  void setPatches(PatchLayer layer);
  // Scores in [0, 1] (probabilities, or attention as heatmap.h's percentileRanks / 100). Throws std::invalid_argument, keeping the
  // heatmap shown, when the layer has not one score per patch.
  void setHeatmap(PatchLayer layer);
  void clear();
  const std::vector<TissueRegion>& tissue() const { return tissue_; }
  const PatchLayer& patches() const { return patches_; }
  const PatchLayer& heatmap() const { return heatmap_; }

  const LayerStyle& style(Layer layer) const { return styles_[static_cast<std::size_t>(layer)]; }
  void setVisible(Layer layer, bool visible);
  void setOpacity(Layer layer, double opacity);  // clamped to [0, 1]
  // Cells whose mean score is below the threshold are not drawn.
  void setHeatmapThreshold(double threshold);
  double heatmapThreshold() const { return threshold_; }
  void setColormap(Colormap map);
  Colormap colormap() const { return colormap_; }

  void paint(QPainter& p, const ViewTransform& view) const;

 private:
  void paintTissue(QPainter& p, const ViewTransform& view) const;
  void paintPatches(QPainter& p, const ViewTransform& view) const;
  void rebuildHeatImage();
  void rebuildPatchTint();

  std::vector<TissueRegion> tissue_;
  std::vector<QPainterPath> outlines_, holes_;  // per region, level-0 pixels
  PatchLayer patches_, heatmap_;
  std::vector<GridRun> gridRuns_;  // the patches' edges, joined
  PatchImage patchTint_, heatImage_;  // with the layers' opacity in their alpha
  std::array<LayerStyle, 3> styles_;
  double threshold_ = 0;
  Colormap colormap_ = Colormap::Jet;
};

}  // namespace krait::wsi
