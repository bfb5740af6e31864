#pragma once
// What the three linked slice views share: the image, the crosshair voxel, the window and the labels (the
// edited map, or a segmentation preview waiting to be accepted). The views draw what it gives and report
// clicks, scrolls, drags and brush strokes to it; every view then shows the slices through the crosshair.
// Qt-free (ITK-SNAP's split of logic from widgets), so it is unit tested without a display.
#include <array>
#include <cstdint>
#include <string>

#include "label_editor.h"
#include "segments.h"
#include "slice_image.h"
#include "krait/base/volume.h"

namespace krait::studio {

// What a left drag in a slice view does: move the crosshair, paint `label`, or erase (paint 0).
enum class Tool { Navigate, Brush, Eraser };
struct EditTool {
  Tool tool = Tool::Navigate;
  int diameter = 5;  // voxels
  LabelValue label = 1;
};

// Who made the labels, named as a DICOM SEG's algorithm: the model whose segmentation was accepted, or nobody
// (drawn by hand, or read from a file whose maker is not known).
struct LabelAuthor {
  std::string model;    // empty: nobody
  std::string version;  // the model's identity
  bool edited = false;  // painted on since it was accepted: a SEG says SEMIAUTOMATIC, not AUTOMATIC
};

class ViewerState {
 public:
  // The crosshair goes to the centre, the window is the opening one (window_level.h's openingPreset: a CT
  // preset for a CT, else the 0.5..99.5 percentiles); the labels start empty.
  void setImage(Volume image);
  // The preset the image opened with (index in ctPresets(), -1: percentiles) and a return to that window.
  int openingPreset() const { return openingPreset_; }
  void resetWindow();
  bool hasImage() const { return !image_.empty(); }
  const Volume& image() const { return image_; }

  SliceAxes axes(ViewPlane plane) const { return sliceAxes(image_.geometry(), plane); }
  int64_t slice(ViewPlane plane) const { return crosshair_[axes(plane).normal]; }
  const std::array<int64_t, 3>& crosshair() const { return crosshair_; }
  // Clamped to the image.
  void setCrosshair(const std::array<int64_t, 3>& index);
  // The crosshair to the voxel under pixel (x, y) of the view's picture.
  void pointAt(ViewPlane plane, int x, int y);
  // Moves the view's slice by `steps` (clamped).
  void scroll(ViewPlane plane, int steps);

  const WindowLevel& window() const { return window_; }
  // Moves the view's slice to `slice` (clamped).
  void goToSlice(ViewPlane plane, int64_t slice);
  void setWindow(const WindowLevel& window) { window_ = window; }
  // A window drag of (dx, dy) screen pixels, scaled so that the view's width spans the image's value range.
  void dragWindow(const WindowLevel& start, double dx, double dy, int viewWidthPixels);

  LabelEditor& labels() { return labels_; }
  const LabelEditor& labels() const { return labels_; }
  Segments& segments() { return segments_; }
  const Segments& segments() const { return segments_; }
  double opacity() const { return opacity_; }
  void setOpacity(double opacity);
  // A label map on the image's grid replaces the current one (not undoable: it is what the file holds).
  // Throws Error(Input) naming `source` and what differs when its grid is another (label_grid.h: the caller may
  // resample it onto the image's and load that).
  void loadLabels(const Volume& labels, const std::string& source);
  // A segmentation shown instead of the labels until accepted (one undoable step) or discarded; accepted, its
  // author becomes the labels'.
  void setPreview(Volume labels, const std::vector<models::LabelEntry>& entries, LabelAuthor author = {});
  bool hasPreview() const { return !preview_.empty(); }
  void acceptPreview();
  void discardPreview() { preview_ = Volume(); }
  const LabelAuthor& labelAuthor() const { return author_; }
  EditTool& tool() { return tool_; }
  const EditTool& tool() const { return tool_; }
  // Paints with the tool along picture pixels (x0, y0) -> (x1, y1) of the view's current slice, inside the
  // stroke the caller began with labels().beginStroke(). False (nothing painted) with the navigate tool or
  // while a preview waits: edits go to the accepted map only.
  bool paint(ViewPlane plane, int x0, int y0, int x1, int y1);
  // What the views overlay: the preview when there is one; empty while the map is blank.
  const Volume& shownLabels() const;
  // The label under the crosshair in the shown map.
  int64_t labelAtCrosshair() const;

  SliceImage picture(ViewPlane plane) const;
  // Where the crosshair is in the view's picture.
  SlicePixel crosshairPixel(ViewPlane plane) const { return pixelOf(image_.geometry(), axes(plane), crosshair_); }
  std::string statusText() const;

 private:
  Volume image_;
  std::array<int64_t, 3> crosshair_{};
  WindowLevel window_;
  int openingPreset_ = -1;
  double valueSpan_ = 1.0;
  LabelEditor labels_;
  Segments segments_;
  double opacity_ = 0.5;
  Volume preview_;
  LabelAuthor author_, previewAuthor_;
  EditTool tool_;
};

}  // namespace krait::studio
