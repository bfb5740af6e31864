#include "three_d_view.h"

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkColorTransferFunction.h>
#include <vtkLookupTable.h>
#include <vtkPiecewiseFunction.h>
#include <vtkPolyDataMapper.h>
#include <vtkPolyDataNormals.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkSmartVolumeMapper.h>
#include <vtkVariant.h>
#include <vtkVolume.h>
#include <vtkVolumeProperty.h>
#include <vtkWindowedSincPolyDataFilter.h>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "vtk/label_surface.h"

namespace krait::studio {

ThreeDView::ThreeDView(QWidget* parent) : VtkWidget(parent) {
  // Each triangle takes its label's colour through an indexed table: label values need not be contiguous.
  colours_->IndexedLookupOn();
  surfaceMapper_->SetLookupTable(colours_);
  surfaceMapper_->ScalarVisibilityOn();
  surfaceMapper_->SetScalarModeToUseCellFieldData();
  surfaceMapper_->SelectColorArray("label");
  // Else 8-bit label values would be taken for colours themselves.
  surfaceMapper_->SetColorModeToMapScalars();
  surfaceMapper_->UseLookupTableScalarRangeOn();
  surfaces_->SetMapper(surfaceMapper_);
  surfaces_->GetProperty()->SetSpecular(0.2);
  surfaces_->GetProperty()->SetSpecularPower(20);
  surfaces_->VisibilityOff();
  volume_->SetMapper(volumeMapper_);
  volume_->VisibilityOff();
  renderer()->AddVolume(volume_);
  renderer()->AddActor(surfaces_);
}

ThreeDView::~ThreeDView() = default;

void ThreeDView::setLabels(const Volume* labels, const std::map<int64_t, Rgb>& colours) {
  std::vector<int64_t> values;
  for (const auto& entry : colours) values.push_back(entry.first);
  const auto surface = labels ? labelSurface(*labels, values) : vtkSmartPointer<vtkPolyData>::New();
  if (labels) frame(labels->geometry());
  if (surface->GetNumberOfCells() == 0) {
    surfaces_->VisibilityOff();
    surfaceMapper_->SetInputData(surface);  // lets go of the previous surfaces
    render();
    return;
  }

  // Light smoothing takes the voxel steps off the display (the STL export keeps them); normals without splitting
  // shade across the voxel edges.
  vtkNew<vtkWindowedSincPolyDataFilter> smooth;
  smooth->SetInputData(surface);
  smooth->SetNumberOfIterations(15);
  smooth->SetPassBand(0.1);
  smooth->NonManifoldSmoothingOn();
  smooth->NormalizeCoordinatesOn();
  vtkNew<vtkPolyDataNormals> normals;
  normals->SetInputConnection(smooth->GetOutputPort());
  normals->SplittingOff();
  normals->ConsistencyOn();
  normals->Update();
  surfaceMapper_->SetInputData(normals->GetOutput());

  colours_->ResetAnnotations();
  colours_->SetNumberOfTableValues(static_cast<vtkIdType>(colours.size()));
  vtkIdType index = 0;
  for (const auto& [value, rgb] : colours) {
    colours_->SetTableValue(index++, rgb.r / 255.0, rgb.g / 255.0, rgb.b / 255.0, 1.0);
    colours_->SetAnnotation(vtkVariant(static_cast<long long>(value)), std::to_string(value));
  }
  surfaces_->VisibilityOn();
  render();
}

void ThreeDView::setVolumeRendering(const Volume* image, bool on) {
  if (!image || image->empty() || !on) {
    volume_->VisibilityOff();
    volumeMapper_->RemoveAllInputConnections(0);  // frees the copy of the image
    render();
    return;
  }
  frame(image->geometry());
  const ValueRange range = image->valueRange();
  const double low = range.min, span = std::max(range.max - range.min, 1e-6);
  // As for CT: the lowest 30% of the range (air, fat, soft tissue) transparent, then faint reddish tissue, bone
  // bright and more opaque towards the top of the range.
  vtkNew<vtkPiecewiseFunction> opacity;
  opacity->AddPoint(low, 0.0);
  opacity->AddPoint(low + 0.30 * span, 0.0);
  opacity->AddPoint(low + 0.40 * span, 0.05);
  opacity->AddPoint(low + 0.60 * span, 0.35);
  opacity->AddPoint(low + span, 0.8);
  vtkNew<vtkColorTransferFunction> colour;
  colour->AddRGBPoint(low, 0.0, 0.0, 0.0);
  colour->AddRGBPoint(low + 0.35 * span, 0.75, 0.35, 0.25);
  colour->AddRGBPoint(low + 0.60 * span, 0.95, 0.85, 0.70);
  colour->AddRGBPoint(low + span, 1.0, 1.0, 1.0);
  vtkNew<vtkVolumeProperty> property;
  property->SetScalarOpacity(opacity);
  property->SetColor(colour);
  property->SetInterpolationTypeToLinear();
  property->ShadeOn();
  property->SetAmbient(0.3);
  property->SetDiffuse(0.7);
  property->SetSpecular(0.2);
  volume_->SetProperty(property);
  volumeMapper_->SetInputData(toVtkImage(*image));
  volumeMapper_->SetBlendModeToComposite();
  volume_->VisibilityOn();
  render();
}

void ThreeDView::frame(const Geometry& grid) {
  if (framed_ && framed_->sameAs(grid, 1e-6)) return;
  framed_ = grid;
  // The whole grid, to its voxels' outer faces, whatever is shown in it.
  double bounds[6];
  for (int a = 0; a < 3; ++a) {
    bounds[2 * a] = std::numeric_limits<double>::max();
    bounds[2 * a + 1] = std::numeric_limits<double>::lowest();
  }
  for (int corner = 0; corner < 8; ++corner) {
    Vec3 index{};
    for (int a = 0; a < 3; ++a) index[a] = (corner >> a & 1) ? grid.size[a] - 0.5 : -0.5;
    const Vec3 p = grid.indexToPhysical(index);
    for (int a = 0; a < 3; ++a) {
      bounds[2 * a] = std::min(bounds[2 * a], p[a]);
      bounds[2 * a + 1] = std::max(bounds[2 * a + 1], p[a]);
    }
  }
  // In front of the patient looking back (LPS +y is posterior), head up: the patient's left is on the screen's
  // right, as when facing them.
  vtkCamera* camera = renderer()->GetActiveCamera();
  camera->SetFocalPoint(0.0, 0.0, 0.0);
  camera->SetPosition(0.0, -1.0, 0.0);
  camera->SetViewUp(0.0, 0.0, 1.0);
  renderer()->ResetCamera(bounds);
}

}  // namespace krait::studio
