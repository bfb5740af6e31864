#include "label_surface.h"

#include <vtkCellArray.h>
#include <vtkCellData.h>
#include <vtkDataArray.h>
#include <vtkDiscreteFlyingEdges3D.h>
#include <vtkErrorCode.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkSTLWriter.h>
#include <vtkType.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <string>

#include "krait/base/atomic_output.h"
#include "krait/base/error.h"

namespace krait::studio {
namespace {

int vtkTypeOf(PixelType t) {
  switch (t) {
    case PixelType::UInt8: return VTK_UNSIGNED_CHAR;
    case PixelType::Int8: return VTK_SIGNED_CHAR;
    case PixelType::UInt16: return VTK_UNSIGNED_SHORT;
    case PixelType::Int16: return VTK_SHORT;
    case PixelType::UInt32: return VTK_UNSIGNED_INT;
    case PixelType::Int32: return VTK_INT;
    case PixelType::Float32: return VTK_FLOAT;
    case PixelType::Float64: break;
  }
  return VTK_DOUBLE;
}

// An inclusive box of voxel indices; empty when hi < lo.
struct IndexBox {
  std::array<int64_t, 3> lo{0, 0, 0}, hi{-1, -1, -1};
  bool empty() const { return hi[0] < lo[0]; }
};

// The smallest box holding every voxel of channel 0 whose value is in `values` (sorted).
IndexBox boxOf(const Volume& labels, const std::vector<double>& values) {
  const auto& size = labels.geometry().size;
  IndexBox box{{size[0], size[1], size[2]}, {-1, -1, -1}};
  if (values.empty() || labels.empty()) return box;
  const double lowest = values.front(), highest = values.back();
  dispatchPixelType(labels.pixelType(), [&](auto zero) {
    using T = decltype(zero);
    const T* row = static_cast<const T*>(labels.data());
    for (int64_t k = 0; k < size[2]; ++k)
      for (int64_t j = 0; j < size[1]; ++j, row += size[0])
        for (int64_t i = 0; i < size[0]; ++i) {
          const double x = static_cast<double>(row[i]);
          // Most voxels are background: the range test spares them the search.
          if (x < lowest || x > highest || !std::binary_search(values.begin(), values.end(), x)) continue;
          const std::array<int64_t, 3> at{i, j, k};
          for (int a = 0; a < 3; ++a) {
            box.lo[a] = std::min(box.lo[a], at[a]);
            box.hi[a] = std::max(box.hi[a], at[a]);
          }
        }
  });
  return box;
}

// Channel 0 of the voxels in `box`, grown by `pad` voxels of 0 on every side. The image keeps the volume's index
// space (its extent starts at box.lo - pad), so the volume's own origin and direction place it.
vtkSmartPointer<vtkImageData> imageOf(const Volume& volume, const IndexBox& box, int pad, const char* name) {
  const Geometry& g = volume.geometry();
  auto image = vtkSmartPointer<vtkImageData>::New();
  std::array<int64_t, 3> n{};
  int extent[6];
  for (int a = 0; a < 3; ++a) {
    extent[2 * a] = static_cast<int>(box.lo[a] - pad);
    extent[2 * a + 1] = static_cast<int>(box.hi[a] + pad);
    n[a] = box.hi[a] - box.lo[a] + 1 + 2 * pad;
  }
  image->SetExtent(extent);
  image->SetSpacing(g.spacing.data());
  image->SetOrigin(g.origin.data());
  double direction[9];  // row-major; column c is index axis c's direction, as in Krait's Geometry
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) direction[3 * r + c] = g.direction[r][c];
  image->SetDirectionMatrix(direction);

  auto scalars = vtk::TakeSmartPointer(vtkDataArray::CreateDataArray(vtkTypeOf(volume.pixelType())));
  scalars->SetName(name);
  scalars->SetNumberOfTuples(n[0] * n[1] * n[2]);
  auto* out = static_cast<std::byte*>(scalars->GetVoidPointer(0));
  const std::size_t bytes = pixelSize(volume.pixelType());
  if (pad > 0) std::memset(out, 0, static_cast<std::size_t>(n[0] * n[1] * n[2]) * bytes);
  const auto* in = static_cast<const std::byte*>(volume.data());  // channel 0 comes first
  const std::size_t rowBytes = static_cast<std::size_t>(box.hi[0] - box.lo[0] + 1) * bytes;
  for (int64_t k = box.lo[2]; k <= box.hi[2]; ++k)
    for (int64_t j = box.lo[1]; j <= box.hi[1]; ++j) {
      const int64_t from = (k * g.size[1] + j) * g.size[0] + box.lo[0];
      const int64_t to = ((k - box.lo[2] + pad) * n[1] + (j - box.lo[1] + pad)) * n[0] + pad;
      std::memcpy(out + to * bytes, in + from * bytes, rowBytes);
    }
  image->GetPointData()->SetScalars(scalars);
  return image;
}

// The label of each triangle, from its first point, so that a mapper may colour by cell as well as by point.
void addCellLabels(vtkPolyData* surface) {
  vtkDataArray* pointLabels = surface->GetPointData()->GetScalars();
  auto cellLabels = vtk::TakeSmartPointer(pointLabels->NewInstance());
  cellLabels->SetName("label");
  vtkCellArray* polys = surface->GetPolys();
  cellLabels->SetNumberOfTuples(polys->GetNumberOfCells());
  for (vtkIdType c = 0; c < polys->GetNumberOfCells(); ++c) {
    vtkIdType count = 0;
    const vtkIdType* points = nullptr;
    polys->GetCellAtId(c, count, points);
    cellLabels->SetTuple1(c, pointLabels->GetTuple1(points[0]));
  }
  surface->GetCellData()->SetScalars(cellLabels);
}

}  // namespace

vtkSmartPointer<vtkImageData> toVtkImage(const Volume& volume) {
  if (volume.empty()) return vtkSmartPointer<vtkImageData>::New();
  const auto& size = volume.geometry().size;
  return imageOf(volume, IndexBox{{0, 0, 0}, {size[0] - 1, size[1] - 1, size[2] - 1}}, 0, "scalars");
}

vtkSmartPointer<vtkPolyData> labelSurface(const Volume& labels, const std::vector<int64_t>& values) {
  std::vector<double> wanted(values.begin(), values.end());
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  auto surface = vtkSmartPointer<vtkPolyData>::New();
  const IndexBox box = boxOf(labels, wanted);
  if (box.empty()) return surface;

  // Contouring only the labels' box keeps small organs in a large scan cheap; one voxel of background around it
  // closes the surfaces where a label touches the grid's edge, and gives flying edges the two samples per axis it
  // needs on a single slice.
  vtkNew<vtkDiscreteFlyingEdges3D> contour;
  contour->SetInputData(imageOf(labels, box, 1, "label"));
  for (std::size_t v = 0; v < wanted.size(); ++v) contour->SetValue(static_cast<int>(v), wanted[v]);
  // Gradients of label values are no surface normals where two labels meet; the view computes its own.
  contour->ComputeNormalsOff();
  contour->ComputeGradientsOff();
  contour->ComputeScalarsOn();
  contour->Update();
  surface->ShallowCopy(contour->GetOutput());
  if (surface->GetNumberOfCells() > 0) addCellLabels(surface);
  return surface;
}

void writeLabelStl(const Volume& labels, int64_t value, const std::filesystem::path& file) {
  const auto surface = labelSurface(labels, {value});
  if (surface->GetNumberOfCells() == 0)
    throw inputError(file.string(), "label " + std::to_string(value) + " is not in the label map");
  AtomicOutput output(file);
  vtkNew<vtkSTLWriter> writer;
  writer->SetInputData(surface);
  writer->SetFileTypeToBinary();
  const std::string header = "Krait label " + std::to_string(value) + ", LPS mm";
  writer->SetHeader(header.c_str());
  writer->SetFileName(output.stagingPath().c_str());
  if (!writer->Write() || writer->GetErrorCode() != vtkErrorCode::NoError)
    throw outputError(file.string(), std::string("VTK's STL writer failed: ") +
                                         vtkErrorCode::GetStringFromErrorCode(writer->GetErrorCode()));
  output.commit();
}

}  // namespace krait::studio
