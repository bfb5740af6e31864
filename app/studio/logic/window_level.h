#pragma once
// Window/level: which image values the slice views show from black to white. Qt-free, so that the studio's
// widgets stay thin and this stays unit tested.
#include <algorithm>
#include <string>
#include <vector>

#include "krait/base/volume.h"

namespace krait::studio {

// Values center - width / 2 .. center + width / 2 run from black to white.
struct WindowLevel {
  double center = 0.0;
  double width = 1.0;
};

struct WindowPreset {
  std::string name;
  WindowLevel window;
};

// The CT presets radiologists read with (Hounsfield units): brain, bone, lung, abdomen.
const std::vector<WindowPreset>& ctPresets();

// For images without calibrated units (MR): the window spanning the `low`..`high` percentiles of channel 0's
// finite values, which a few very bright voxels (vessels, fat, artefacts) would otherwise stretch. A full-size
// scan is sampled on a regular stride (at most about a million voxels): the window needs no more precision.
WindowLevel percentileWindow(const Volume& volume, double low = 0.5, double high = 99.5);

// Which window an image opens with (given its value range): the index in ctPresets() of "CT abdomen" (soft tissue) for what looks like a
// CT — values in Hounsfield units, air near -1000 and bone above 300 — else -1 for percentileWindow (MR and
// other uncalibrated images). DICOM's Modality is not kept with a volume; the values tell CT apart.
int openingPreset(const ValueRange& range);

// Dragging in a view, as 3D Slicer and ITK-SNAP do: right widens the window, up (negative dy: screen rows grow
// downward) raises the level; `unitsPerPixel`
// scales the motion to the image's value range. The width never drops to zero.
WindowLevel dragged(const WindowLevel& start, double dxPixels, double dyPixels, double unitsPerPixel);

// Display intensity in [0, 1] of a value under the window.
// Inline: renderSlice calls it for every pixel of every frame.
inline double displayIntensity(const WindowLevel& window, double value) {
  return std::clamp((value - (window.center - window.width / 2.0)) / window.width, 0.0, 1.0);
}

}  // namespace krait::studio
