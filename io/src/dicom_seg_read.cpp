// DICOM SEG -> label map on its series' grid: every frame is matched to the slice it lies on (by its plane
// position, else by the image it names), after checking that the SEG was made from that series.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "dicom_seg_file.h"
#include "dicom_seg_source.h"
#include "krait/base/error.h"
#include "krait/io/dicom_seg.h"

namespace krait::io {

namespace {

using dicom::SegFile;
using dicom::SourceSeries;

double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
Vec3 axis(const Geometry& g, int c) { return {g.direction[0][c], g.direction[1][c], g.direction[2][c]}; }

std::string point(const Vec3& p) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "(%.2f, %.2f, %.2f) mm", p[0], p[1], p[2]);
  return buf;
}

// Positions and cosines are decimal strings rounded by whoever wrote them: a quarter of a voxel (or of the
// slice step) apart is still the same plane; the next slice is four quarters away.
constexpr double kPlaneTolerance = 0.25;
constexpr double kCosineTolerance = 1e-3;

void checkSameSeries(const SegFile& seg, const DicomSeries& series, const SourceSeries& source, const std::string& name) {
  const auto& refs = seg.referencedSeries();
  if (!refs.empty() && std::find(refs.begin(), refs.end(), series.seriesUid) == refs.end())
    throw inputError(name, "this SEG was made from series " + refs.front() + ", not from " + source.name);
  // A SEG need not name its series, but its frames name their images.
  for (const DicomSegFrame& f : seg.info().frames)
    if (!f.sourceInstanceUid.empty() &&
        std::none_of(source.slices.begin(), source.slices.end(),
                     [&](const dicom::SourceSlice& s) { return s.sopInstanceUid == f.sourceInstanceUid; }))
      throw inputError(name, "this SEG was made from image " + f.sourceInstanceUid + ", which is not in " + source.name);
  const std::string& frameOfReference = seg.info().frameOfReferenceUid;
  if (!frameOfReference.empty() && !source.frameOfReferenceUid.empty() && frameOfReference != source.frameOfReferenceUid)
    throw inputError(name, "this SEG's frame of reference (" + frameOfReference + ") is not that of " + source.name + " (" +
                               source.frameOfReferenceUid + ")");
  if (seg.info().rows != source.grid.size[1] || seg.info().columns != source.grid.size[0])
    throw inputError(name, "its frames are " + std::to_string(seg.info().columns) + " x " + std::to_string(seg.info().rows) +
                               " pixels, the images of " + source.name + " are " + std::to_string(source.grid.size[0]) + " x " +
                               std::to_string(source.grid.size[1]));
}

// The slice frame `f` lies on; throws naming the frame when it lies on none.
int64_t sliceOf(const SegFile& seg, std::size_t f, const SourceSeries& source, const std::string& name) {
  const DicomSegFrame& frame = seg.info().frames[f];
  const Geometry& g = source.grid;
  const std::string which = "frame " + std::to_string(f + 1) + " (segment " + std::to_string(frame.segment) + ")";
  const dicom::SegFramePlane& plane = seg.plane(f);
  if (plane.orientation) {
    const auto& o = *plane.orientation;
    const Vec3 r = axis(g, 0), c = axis(g, 1);
    if (std::abs(dot({o[0], o[1], o[2]}, r) - 1) > kCosineTolerance || std::abs(dot({o[3], o[4], o[5]}, c) - 1) > kCosineTolerance)
      throw inputError(name, which + " is not in the plane of the images of " + source.name + " (another orientation)");
  }
  if (plane.pixelSpacing && (std::abs((*plane.pixelSpacing)[0] - g.spacing[1]) > 1e-3 * g.spacing[1] ||
                             std::abs((*plane.pixelSpacing)[1] - g.spacing[0]) > 1e-3 * g.spacing[0]))
    throw inputError(name, which + " has other pixel spacing than the images of " + source.name);
  if (!frame.position) {
    for (std::size_t k = 0; k < source.slices.size(); ++k)
      if (!frame.sourceInstanceUid.empty() && source.slices[k].sopInstanceUid == frame.sourceInstanceUid) return static_cast<int64_t>(k);
    throw inputError(name, which + " has no position and names no image of " + source.name);
  }
  const Vec3 r = axis(g, 0), c = axis(g, 1), n = axis(g, 2);
  std::size_t nearest = 0;
  double best = INFINITY;
  for (std::size_t k = 0; k < source.slices.size(); ++k) {
    const Vec3& p = source.slices[k].position;
    const double d = std::abs(dot(*frame.position, n) - dot(p, n));
    if (d < best) best = d, nearest = k;
  }
  const Vec3& p = source.slices[nearest].position;
  const Vec3 offset{(*frame.position)[0] - p[0], (*frame.position)[1] - p[1], (*frame.position)[2] - p[2]};
  if (best > kPlaneTolerance * g.spacing[2] || std::abs(dot(offset, r)) > kPlaneTolerance * g.spacing[0] ||
      std::abs(dot(offset, c)) > kPlaneTolerance * g.spacing[1])
    throw inputError(name, which + " at " + point(*frame.position) + " lies on no slice of " + source.name +
                               " (the nearest slice, " + std::to_string(nearest) + ", starts at " + point(p) + ")");
  return static_cast<int64_t>(nearest);
}

}  // namespace

DicomSegInfo readDicomSegInfo(const std::filesystem::path& seg) { return SegFile(seg).info(); }

DicomSegRead readDicomSeg(const std::filesystem::path& path, const DicomSeries& referenced) {
  const std::string name = path.string();
  const SegFile seg(path);
  const SourceSeries source = dicom::describeSource(referenced);
  checkSameSeries(seg, referenced, source, name);

  DicomSegRead result;
  result.segments = seg.info().segments;
  result.referencedSeriesUid = seg.info().referencedSeriesUid;
  result.notes = seg.info().notes;
  const PixelType type = result.segments.size() <= 255 ? PixelType::UInt8 : PixelType::UInt16;
  result.labels = Volume(source.grid, type);
  const std::size_t sliceSize = static_cast<std::size_t>(source.grid.size[0] * source.grid.size[1]);
  std::map<std::pair<int, int>, int64_t> overlaps;  // (lower, higher segment) -> voxels
  dispatchPixelType(type, [&](auto v) {
    using T = decltype(v);
    T* labels = result.labels.as<T>();
    for (std::size_t f = 0; f < seg.info().frames.size(); ++f) {
      const int segment = seg.info().frames[f].segment;
      T* slice = labels + sliceOf(seg, f, source, name) * static_cast<int64_t>(sliceSize);
      const std::vector<uint8_t> mask = seg.mask(f);
      for (std::size_t i = 0; i < sliceSize; ++i) {
        if (!mask[i]) continue;
        const int was = slice[i];
        if (was != 0 && was != segment) ++overlaps[{std::min(was, segment), std::max(was, segment)}];
        slice[i] = static_cast<T>(std::max(was, segment));  // the higher segment wins, whatever the frame order
      }
    }
  });
  for (const auto& [pair, voxels] : overlaps)
    result.notes.push_back(name + ": segments " + std::to_string(pair.first) + " and " + std::to_string(pair.second) +
                           " overlap in " + std::to_string(voxels) + " voxels; a label map holds one label per voxel, and " +
                           std::to_string(pair.second) + " was kept");
  return result;
}

}  // namespace krait::io
