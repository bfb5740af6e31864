// The 3D view's and the STL export's VTK data, without Qt: on an oblique grid with uneven spacing and an origin off
// zero, VTK must put a label's surface where Krait's geometry puts its voxels (LPS mm), closed also where the label
// touches the grid's edge, with the label values as scalars; the STL holds the same surface and is written whole
// or not at all.
#include <gtest/gtest.h>

#include <unistd.h>

#include <vtkCellData.h>
#include <vtkDataArray.h>
#include <vtkFeatureEdges.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPolyData.h>
#include <vtkSTLReader.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iterator>
#include <set>
#include <string>

#include "krait/base/error.h"
#include "testdata.h"
#include "vtk/label_surface.h"

using namespace krait;
using namespace krait::studio;
namespace fs = std::filesystem;

namespace {

// A rotation by 25 degrees about an axis off every patient axis: a transposed direction matrix, or i and k mixed
// up, moves the surface by centimetres.
Mat3 obliqueDirection() {
  const double n = std::sqrt(1.0 + 4.0 + 9.0);
  const Vec3 u{1.0 / n, 2.0 / n, 3.0 / n};
  const double angle = 25.0 * M_PI / 180.0, c = std::cos(angle), s = std::sin(angle);
  Mat3 r{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) r[i][j] = (i == j ? c : 0.0) + (1 - c) * u[i] * u[j];
  r[0][1] -= s * u[2];
  r[0][2] += s * u[1];
  r[1][0] += s * u[2];
  r[1][2] -= s * u[0];
  r[2][0] -= s * u[1];
  r[2][1] += s * u[0];
  return r;
}

Geometry obliqueGrid() {
  Geometry g;
  g.size = {20, 16, 12};
  g.spacing = {0.8, 1.3, 2.5};
  g.origin = {-40.5, 12.25, 7.0};
  g.direction = obliqueDirection();
  return g;
}

struct Box {
  std::array<int64_t, 3> lo, hi;
};
const Box kBlock{{3, 4, 2}, {9, 11, 6}};    // label 1, inside the grid
const Box kCorner{{0, 0, 8}, {2, 3, 11}};   // label 2, touching three faces of the grid

void fill(Volume& v, const Box& b, uint8_t value) {
  const auto& size = v.geometry().size;
  for (int64_t k = b.lo[2]; k <= b.hi[2]; ++k)
    for (int64_t j = b.lo[1]; j <= b.hi[1]; ++j)
      for (int64_t i = b.lo[0]; i <= b.hi[0]; ++i) v.as<uint8_t>()[(k * size[1] + j) * size[0] + i] = value;
}

Volume labelMap() {
  Volume v(obliqueGrid(), PixelType::UInt8);
  fill(v, kBlock, 1);
  fill(v, kCorner, 2);
  return v;
}

// Every surface point lies halfway between a label voxel's centre and a neighbour's: its bounds reach beyond the
// bounds of the label voxels' centres, by at most half a voxel step along each LPS axis.
void expectWithinHalfAVoxel(const double* bounds, const Geometry& g, const Box& b) {
  std::array<double, 6> centres{1e9, -1e9, 1e9, -1e9, 1e9, -1e9};
  for (int corner = 0; corner < 8; ++corner) {
    Vec3 index{};
    for (int a = 0; a < 3; ++a) index[a] = static_cast<double>((corner >> a & 1) ? b.hi[a] : b.lo[a]);
    const Vec3 p = g.indexToPhysical(index);
    for (int a = 0; a < 3; ++a) {
      centres[2 * a] = std::min(centres[2 * a], p[a]);
      centres[2 * a + 1] = std::max(centres[2 * a + 1], p[a]);
    }
  }
  const double tolerance = 1e-4;  // points are floats
  for (int a = 0; a < 3; ++a) {
    double half = 0.0;
    for (int j = 0; j < 3; ++j) half = std::max(half, 0.5 * g.spacing[j] * std::abs(g.direction[a][j]));
    EXPECT_LT(bounds[2 * a], centres[2 * a]) << "axis " << a;
    EXPECT_GE(bounds[2 * a], centres[2 * a] - half - tolerance) << "axis " << a;
    EXPECT_GT(bounds[2 * a + 1], centres[2 * a + 1]) << "axis " << a;
    EXPECT_LE(bounds[2 * a + 1], centres[2 * a + 1] + half + tolerance) << "axis " << a;
  }
}

std::set<double> valuesOf(vtkDataArray* array) {
  std::set<double> values;
  for (vtkIdType t = 0; t < array->GetNumberOfTuples(); ++t) values.insert(array->GetTuple1(t));
  return values;
}

ErrorKind kindOfError(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no krait::Error thrown";
  return ErrorKind::Internal;
}

}  // namespace

TEST(ToVtkImage, KeepsChannelZeroAndPlacesVoxelsAsKraitDoes) {
  Volume v(obliqueGrid(), PixelType::Float32, 2);
  const auto& size = v.geometry().size;
  const int64_t n = v.geometry().voxelCount();
  for (int64_t i = 0; i < n; ++i) {
    v.as<float>()[i] = static_cast<float>(i);  // channel 0: the voxel's offset
    v.as<float>()[n + i] = -1.0f;              // channel 1
  }
  const auto image = toVtkImage(v);
  int dims[3];
  image->GetDimensions(dims);
  EXPECT_EQ((std::array<int, 3>{dims[0], dims[1], dims[2]}), (std::array<int, 3>{20, 16, 12}));
  for (const std::array<int, 3> ijk : {std::array<int, 3>{0, 0, 0}, {19, 0, 0}, {3, 15, 7}, {19, 15, 11}}) {
    EXPECT_EQ(image->GetScalarComponentAsDouble(ijk[0], ijk[1], ijk[2], 0),
              static_cast<double>((ijk[2] * size[1] + ijk[1]) * size[0] + ijk[0]));
    double vtkPoint[3];
    image->TransformIndexToPhysicalPoint(ijk.data(), vtkPoint);
    const Vec3 p = v.geometry().indexToPhysical({double(ijk[0]), double(ijk[1]), double(ijk[2])});
    for (int a = 0; a < 3; ++a) EXPECT_NEAR(vtkPoint[a], p[a], 1e-9);
  }
}

TEST(LabelSurface, LiesWithinHalfAVoxelOfTheLabelInLps) {
  const Volume labels = labelMap();
  const auto block = labelSurface(labels, {1});
  ASSERT_GT(block->GetNumberOfCells(), 0);
  expectWithinHalfAVoxel(block->GetBounds(), labels.geometry(), kBlock);
  const auto corner = labelSurface(labels, {2});
  ASSERT_GT(corner->GetNumberOfCells(), 0);
  expectWithinHalfAVoxel(corner->GetBounds(), labels.geometry(), kCorner);
}

TEST(LabelSurface, IsClosedWhereTheLabelTouchesTheGridsEdge) {
  const auto corner = labelSurface(labelMap(), {2});
  vtkNew<vtkFeatureEdges> edges;
  edges->SetInputData(corner);
  edges->BoundaryEdgesOn();
  edges->FeatureEdgesOff();
  edges->ManifoldEdgesOff();
  edges->NonManifoldEdgesOff();
  edges->Update();
  EXPECT_EQ(edges->GetOutput()->GetNumberOfCells(), 0);
}

TEST(LabelSurface, CarriesBothLabelValuesAsPointAndCellScalars) {
  const auto both = labelSurface(labelMap(), {2, 1});
  vtkDataArray* points = both->GetPointData()->GetScalars();
  vtkDataArray* cells = both->GetCellData()->GetScalars();
  ASSERT_NE(points, nullptr);
  ASSERT_NE(cells, nullptr);
  EXPECT_STREQ(cells->GetName(), "label");
  EXPECT_EQ(valuesOf(points), (std::set<double>{1.0, 2.0}));
  EXPECT_EQ(valuesOf(cells), (std::set<double>{1.0, 2.0}));
  EXPECT_EQ(cells->GetNumberOfTuples(), both->GetNumberOfCells());
  EXPECT_EQ(both->GetNumberOfCells(),
            labelSurface(labelMap(), {1})->GetNumberOfCells() + labelSurface(labelMap(), {2})->GetNumberOfCells());
}

TEST(LabelSurface, IsEmptyForNoValuesOrAbsentOnes) {
  EXPECT_EQ(labelSurface(labelMap(), {})->GetNumberOfPoints(), 0);
  EXPECT_EQ(labelSurface(labelMap(), {7})->GetNumberOfPoints(), 0);
}

TEST(LabelStl, HoldsTheSameSurfaceInLps) {
  test::TempDir folder;
  const Volume labels = labelMap();
  const fs::path file = folder.path() / "corner.stl";
  writeLabelStl(labels, 2, file);
  ASSERT_TRUE(fs::exists(file));
  EXPECT_EQ(std::distance(fs::directory_iterator(folder.path()), fs::directory_iterator()), 1);  // no staging left
  vtkNew<vtkSTLReader> reader;
  reader->SetFileName(file.c_str());
  reader->Update();
  const auto surface = labelSurface(labels, {2});
  EXPECT_EQ(reader->GetOutput()->GetNumberOfCells(), surface->GetNumberOfCells());
  const double* read = reader->GetOutput()->GetBounds();
  const double* want = surface->GetBounds();
  for (int b = 0; b < 6; ++b) EXPECT_NEAR(read[b], want[b], 1e-4) << b;
}

TEST(LabelStl, AnAbsentLabelIsAnInputErrorAndWritesNothing) {
  test::TempDir folder;
  const fs::path file = folder.path() / "seven.stl";
  try {
    writeLabelStl(labelMap(), 7, file);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Input);
    EXPECT_EQ(std::string(e.what()), file.string() + ": label 7 is not in the label map");
  }
  EXPECT_TRUE(fs::is_empty(folder.path()));
}

TEST(LabelStl, AnUnwritableFolderIsAnOutputError) {
  test::TempDir folder;
  const Volume labels = labelMap();
  EXPECT_EQ(kindOfError([&] { writeLabelStl(labels, 1, folder.path() / "missing" / "block.stl"); }),
            ErrorKind::Output);
  if (geteuid() != 0) {  // root writes anywhere
    const fs::path readOnly = folder.path() / "read-only";
    fs::create_directory(readOnly);
    fs::permissions(readOnly, fs::perms::owner_read | fs::perms::owner_exec);
    EXPECT_EQ(kindOfError([&] { writeLabelStl(labels, 1, readOnly / "block.stl"); }), ErrorKind::Output);
    fs::permissions(readOnly, fs::perms::owner_all);
    EXPECT_TRUE(fs::is_empty(readOnly));
  }
}
