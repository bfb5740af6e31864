// The slide on screen: a QWidget painting the pyramid level that fits the zoom (OpenSlide's best level for the
// screen's downsample) from 256 x 256 tiles read on worker threads, never on the GUI thread. A tile not there yet
// is drawn from the finest coarser level cached, down to the lowest level, which is read whole when the slide is
// opened, so that panning shows no holes. Over it the overlays (tissue, patch grid, heatmap) and a scale bar.
// Drag pans, the wheel zooms about the pointer, + and - zoom, F fits, arrows pan, a double click zooms in.
#pragma once

#include <QImage>
#include <QWidget>

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_set>
#include <vector>

#include "overlays.h"
#include "scale_bar.h"
#include "slide.h"
#include "tile_cache.h"
#include "tile_loader.h"
#include "view_transform.h"

namespace krait::wsi {

class SlideView : public QWidget {
 public:
  explicit SlideView(QWidget* parent = nullptr);
  ~SlideView() override;  // waits for the tile reads in progress

  // Shows `slide` fitted to the view (null: nothing), without the previous slide's layers. Reads the slide's
  // lowest level whole here when it has at most 16 Mi pixels (the overview); throws SlideError, keeping what it
  // showed, when that read fails.
  void setSlide(std::shared_ptr<const Slide> slide);
  const std::shared_ptr<const Slide>& slide() const { return slide_; }
  const QImage& overview() const { return overview_; }  // null without one
  int overviewLevel() const { return overviewLevel_; }  // -1 without an overview

  // The view: the level-0 point at its middle and screen pixels per level-0 pixel; setView clamps the scale to
  // what zoom allows and the centre to the slide.
  QPointF centre() const { return centre_; }
  double scale() const { return scale_; }
  void setView(QPointF centre, double scale);
  void fit();                                 // the whole slide in view
  void zoomBy(double factor, QPointF anchor);  // the slide point under `anchor` (widget pixels) stays there
  void zoomBy(double factor);                 // about the middle
  void panBy(QPointF delta);                  // the slide moves by `delta` screen pixels, as when dragged
  void centreOn(QPointF level0);
  // The view at `viewport` screen pixels (the widget's size when empty).
  ViewTransform viewTransform(QSizeF viewport = {}) const;
  // The pyramid level the view draws at its zoom.
  int currentLevel() const;
  ScaleBar scaleBar() const;

  // The layers, level-0 pixels (see Overlays): each setter replaces its layer.
  void setTissue(std::vector<TissueRegion> regions);
  void setPatches(PatchLayer layer);
  void setHeatmap(PatchLayer layer);  // throws std::invalid_argument without one score (0 to 1) per patch
  void setLayerVisible(Layer layer, bool visible);
  void setLayerOpacity(Layer layer, double opacity);
  void setHeatmapThreshold(double threshold);
  void setColormap(Colormap map);
  const Overlays& overlays() const { return overlays_; }

  // Whether every tile the view at `viewport` (the widget's size when empty) draws at its level has arrived or
  // failed: nothing more will change the picture.
  bool tilesComplete(QSize viewport = {}) const;
  const TileCache& cache() const { return cache_; }

  // The view at `size` (the widget's when empty), painted as the widget paints it, asking for missing tiles as
  // a paint does: for tests and screenshots.
  QImage render(QSize size = {});

  struct FrameTimes {
    int frames = 0;
    double meanMs = 0, maxMs = 0;
  };
  // The paint time of `steps` frames of `size` while panning (a drag) and zooming (wheel steps in and out about
  // a point off the middle), tiles arriving between frames as they would: a benchmark of smoothness. The view
  // is put back as it was.
  FrameTimes measureFrameTimes(QSize size, int steps);

  // Called after every change of the view (pan, zoom, slide).
  void addViewListener(std::function<void()> listener);
  // Called with the first tile a slide cannot read (the view draws a coarser level there instead).
  void setErrorHandler(std::function<void(const QString&)> handler);

  QSize sizeHint() const override { return {900, 700}; }

 protected:
  void paintEvent(QPaintEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;

 private:
  void paintView(QPainter& p, const ViewTransform& view);
  bool paintFromCoarser(QPainter& p, const ViewTransform& view, const QRectF& area, int level);
  void zoomAt(double factor, QPointF anchor, QSizeF viewport);
  int levelFor(const ViewTransform& view) const;
  double fitScale(QSizeF viewport) const;
  QRectF slideRect() const;
  QRectF overviewRect() const;  // the level-0 area the overview covers
  void tileArrived(uint64_t generation, const TileKey& key, const QImage& image, const QString& error);
  void viewChanged();

  std::shared_ptr<const Slide> slide_;
  QImage overview_;
  int overviewLevel_ = -1;
  QPointF centre_;
  double scale_ = 1;
  bool fitted_ = true;  // refit on resize until the view is panned or zoomed

  TileCache cache_;
  std::unique_ptr<TileLoader> loader_;
  // Counts slides: a tile read for an earlier slide may still be on its way to the GUI thread, and is ignored.
  uint64_t generation_ = 0;
  std::vector<TileKey> lastRequest_;
  std::unordered_set<TileKey, TileKeyHash> failed_;
  bool errorReported_ = false;

  Overlays overlays_;
  std::vector<std::function<void()>> listeners_;
  std::function<void(const QString&)> errorHandler_;
  bool dragging_ = false;
  QPointF lastPointer_;
};

}  // namespace krait::wsi
