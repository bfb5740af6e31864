#pragma once
// The 3D view: the visible labels' surfaces, each in its label's colour, and optionally a volume rendering of the
// image, in LPS millimetres. The camera starts in front of the patient (anterior), head up.
#include <cstdint>
#include <map>
#include <optional>

#include "slice_image.h"
#include "krait/base/geometry.h"
#include "krait/base/volume.h"
#include "vtk/vtk_widget.h"

class vtkActor;
class vtkLookupTable;
class vtkPolyDataMapper;
class vtkSmartVolumeMapper;
class vtkVolume;

namespace krait::studio {

class ThreeDView : public VtkWidget {
  Q_OBJECT
 public:
  explicit ThreeDView(QWidget* parent = nullptr);
  ~ThreeDView() override;

  // Surfaces of the labels in `colours` (the visible ones) in their colours; null `labels` or no colours: none.
  // The camera is reset the first time and whenever the label map's grid changes.
  void setLabels(const Volume* labels, const std::map<int64_t, Rgb>& colours);
  // Volume rendering of channel 0 of `image`, opacity rising over its value range as for CT; null or off: none.
  void setVolumeRendering(const Volume* image, bool on);

 private:
  void frame(const Geometry& grid);

  vtkNew<vtkActor> surfaces_;
  vtkNew<vtkPolyDataMapper> surfaceMapper_;
  vtkNew<vtkLookupTable> colours_;
  vtkNew<vtkVolume> volume_;
  vtkNew<vtkSmartVolumeMapper> volumeMapper_;
  std::optional<Geometry> framed_;  // the grid the camera was last reset for
};

}  // namespace krait::studio
