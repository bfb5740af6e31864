#pragma once
// Zoom and pan of one slice view. At zoom 1 the slice fits the view with its true aspect (millimetres, not
// voxels); zooming keeps the point under the mouse where it is, as in ITK-SNAP and Slicer.
namespace krait::studio {

struct Rect {
  double left = 0, top = 0, width = 0, height = 0;
};

struct Viewport {
  double zoom = 1.0;
  double panX = 0.0, panY = 0.0;  // widget pixels the picture is moved by

  // Where a picture of `widthMm` x `heightMm` lands in a `viewWidth` x `viewHeight` widget.
  Rect place(double viewWidth, double viewHeight, double widthMm, double heightMm) const;
  // Zoom by `factor` (clamped to 1/4..64 overall) about widget point (x, y).
  void zoomAbout(double factor, double x, double y, double viewWidth, double viewHeight, double widthMm, double heightMm);
  void pan(double dx, double dy) { panX += dx, panY += dy; }
};

}  // namespace krait::studio
