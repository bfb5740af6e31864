// Square patches as an image with one pixel per cell of their grid, so that tens of thousands of them (a slide's
// patch grid at 256 px) draw as one scaled image rather than one fillRect each, which would cost tens of
// milliseconds a frame when the whole slide is in view.
#pragma once

#include <QColor>
#include <QImage>
#include <QRectF>

#include <vector>

#include "colormap.h"
#include "overlay.h"

namespace krait::wsi {

struct PatchImage {
  QImage image;     // ARGB32 premultiplied, transparent where nothing is drawn; null for no patches
  QPointF origin;   // level-0 pixels of the image's top-left corner
  double cell = 0;  // level-0 pixels per image pixel
  QRectF level0() const { return {origin, QSizeF(image.width() * cell, image.height() * cell)}; }
};

// Each cell coloured by the mean score of the patches over it (CLAM averages where patches overlap) with the colour
// map's colour (colormap.h: CLAM's own tables), left empty where that mean is below `threshold` or no patch lies.
// Scores are read in [0, 1] (clamped). The colours have `opacity` as their alpha: an image drawn with its own alpha
// blends several times faster than one drawn at a painter's opacity. Throws std::invalid_argument when the layer
// has not one score per patch.
PatchImage heatmapImage(const PatchLayer& layer, Colormap map, double threshold, double opacity = 1);

// The cells under a patch, in `colour` (its alpha included).
PatchImage coverageImage(const PatchLayer& layer, QColor colour);

}  // namespace krait::wsi
