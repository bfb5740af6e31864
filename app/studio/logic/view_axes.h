#pragma once
// How the three slice views lay a volume on the screen, and the orientation letters at their edges. Voxels stay
// on their grid (no resampling, as ITK-SNAP shows them): each view's screen axes run along the index axes
// closest to the patient directions the radiological convention puts there, so that an oblique acquisition is
// shown as acquired and its letters say how it is tilted.
#include <string>

#include "krait/base/geometry.h"

namespace krait::studio {

enum class ViewPlane { Axial, Coronal, Sagittal };

const char* viewPlaneName(ViewPlane plane);

// Radiological convention: axial — patient left on screen right, anterior up; coronal — left on the right,
// superior up; sagittal — posterior on the right, superior up.
struct SliceAxes {
  int normal = 2;        // the index axis through the slices
  int right = 0, up = 1;  // the index axes along the screen's x (rightward) and y (upward)
  bool flipRight = false, flipUp = false;  // the index decreases toward screen right / up
};

SliceAxes sliceAxes(const Geometry& geometry, ViewPlane plane);

// Letters of the patient directions at the view's edges: one letter when the screen axis is within about 15°
// of a patient axis, more (strongest first, e.g. "LA") when it is tilted further.
struct EdgeLetters {
  std::string left, right, top, bottom;
};

EdgeLetters edgeLetters(const Geometry& geometry, const SliceAxes& axes);

// Letters for a direction in LPS coordinates (+x L, +y P, +z S), strongest component first.
std::string directionLetters(const Vec3& lps);

}  // namespace krait::studio
