#pragma once
// Krait volumes as VTK data for the 3D view and the STL export. Qt-free, so that it is tested without a display.
// Everything comes out in LPS millimetres, Krait's one patient frame: VTK 9's image direction matrix carries the
// volume's orientation, so oblique scans need no resampling.
#include <cstdint>
#include <filesystem>
#include <vector>

#include <vtkImageData.h>
#include <vtkPolyData.h>
#include <vtkSmartPointer.h>

#include "krait/base/volume.h"

namespace krait::studio {

// Channel 0 of `volume`, copied, with its spacing, origin and direction.
vtkSmartPointer<vtkImageData> toVtkImage(const Volume& volume);

// Surfaces of the given label values (discrete flying edges), halfway between each label's voxels and their
// neighbours, in LPS mm. Point and cell scalars named "label" hold each triangle's label value. Surfaces are
// closed, also where a label touches the edge of the grid. Empty for no values or none present.
vtkSmartPointer<vtkPolyData> labelSurface(const Volume& labels, const std::vector<int64_t>& values);

// Binary STL of one label's surface in LPS mm, written atomically. Throws Error(Input) if the label has no voxels,
// Error(Output) if the file cannot be written.
void writeLabelStl(const Volume& labels, int64_t value, const std::filesystem::path& file);

}  // namespace krait::studio
