#include "dicom_geometry.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "dicom_tags.h"
#include "krait/base/error.h"

namespace krait::io::dicom {

namespace {

Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
Vec3 minus(const Vec3& a, const Vec3& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
Vec3 normalised(const Vec3& v) {
  const double n = std::sqrt(dot(v, v));
  return {v[0] / n, v[1] / n, v[2] / n};
}

std::string mm(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::optional<double> positive(DcmItem* item, const DcmTagKey& tag) {
  if (!item) return std::nullopt;
  const auto v = getNumber(*item, tag);
  if (v && std::isfinite(*v) && *v > 0) return v;
  return std::nullopt;
}

}  // namespace

std::vector<FramePlacement> framePlacements(DcmDataset& ds, std::size_t file, unsigned long frames,
                                            std::vector<std::string>& notes) {
  const bool enhanced = ds.tagExists(DCM_PerFrameFunctionalGroupsSequence) || ds.tagExists(DCM_SharedFunctionalGroupsSequence);
  FramePlacement common;
  common.file = file;
  common.position = fixed<3>(&ds, DCM_ImagePositionPatient);
  common.orientation = fixed<6>(&ds, DCM_ImageOrientationPatient);
  common.pixelSpacing = fixed<2>(&ds, DCM_PixelSpacing);
  if (!common.pixelSpacing) common.pixelSpacing = fixed<2>(&ds, DCM_ImagerPixelSpacing);
  common.sliceSpacing = positive(&ds, DCM_SpacingBetweenSlices);
  if (!common.sliceSpacing) common.sliceSpacing = positive(&ds, DCM_SliceThickness);
  common.slope = getNumber(ds, DCM_RescaleSlope).value_or(1.0);
  common.intercept = getNumber(ds, DCM_RescaleIntercept).value_or(0.0);
  const std::vector<double> offsets = getNumbers(ds, DCM_GridFrameOffsetVector);

  std::vector<FramePlacement> out;
  for (unsigned long f = 0; f < frames; ++f) {
    FramePlacement p = common;
    p.frame = f;
    if (enhanced) {
      if (auto pos = fixed<3>(functionalGroup(ds, DCM_PlanePositionSequence, f), DCM_ImagePositionPatient)) p.position = pos;
      if (auto o = fixed<6>(functionalGroup(ds, DCM_PlaneOrientationSequence, f), DCM_ImageOrientationPatient)) p.orientation = o;
      DcmItem* measures = functionalGroup(ds, DCM_PixelMeasuresSequence, f);
      if (auto s = fixed<2>(measures, DCM_PixelSpacing)) p.pixelSpacing = s;
      if (auto s = positive(measures, DCM_SpacingBetweenSlices)) p.sliceSpacing = s;
      else if (auto t = positive(measures, DCM_SliceThickness)) p.sliceSpacing = t;
      if (DcmItem* t = functionalGroup(ds, DCM_PixelValueTransformationSequence, f)) {
        p.slope = getNumber(*t, DCM_RescaleSlope).value_or(p.slope);
        p.intercept = getNumber(*t, DCM_RescaleIntercept).value_or(p.intercept);
      }
    }
    out.push_back(p);
  }
  if (frames > 1 && !enhanced && common.position) {
    // Classic multi-frame: RT Dose states each frame's offset along the normal; others are a plain stack.
    const auto o = common.orientation.value_or(std::array<double, 6>{1, 0, 0, 0, 1, 0});
    const Vec3 n = normalised(cross({o[0], o[1], o[2]}, {o[3], o[4], o[5]}));
    const bool gridOffsets = offsets.size() == frames;
    const double step = common.sliceSpacing.value_or(1.0);
    if (!gridOffsets) notes.push_back("frames carry no positions: stacked " + mm(step) + " mm apart");
    for (unsigned long f = 0; f < frames; ++f) {
      const double d = gridOffsets ? offsets[f] : static_cast<double>(f) * step;
      const Vec3& p0 = *common.position;
      out[f].position = Vec3{p0[0] + d * n[0], p0[1] + d * n[1], p0[2] + d * n[2]};
    }
  }
  return out;
}

StackPlan planStack(const std::vector<FramePlacement>& frames, int rows, int columns, const DicomLoadOptions& options,
                    const std::string& name, std::vector<std::string>& notes) {
  const FramePlacement& first = frames.front();
  const bool patientGeometry = std::all_of(frames.begin(), frames.end(), [](const FramePlacement& f) {
    return f.position.has_value() && f.orientation.has_value();
  });
  if (!patientGeometry) notes.push_back("no patient position/orientation in the files: origin 0, axial axes assumed");
  const auto iop = patientGeometry ? *first.orientation : std::array<double, 6>{1, 0, 0, 0, 1, 0};
  for (const auto& f : frames)
    if (patientGeometry)
      for (int i = 0; i < 6; ++i)
        if (std::abs((*f.orientation)[i] - iop[i]) > 1e-4)
          throw inputError(name, "series mixes slice orientations (ImageOrientationPatient differs between images)");
  // Rounded decimal strings leave the cosines a hair off unit length and orthogonality: make them exact.
  const Vec3 r = normalised({iop[0], iop[1], iop[2]});
  const Vec3 n = normalised(cross(r, {iop[3], iop[4], iop[5]}));
  const Vec3 c = cross(n, r);
  if (!std::isfinite(n[0]) || !std::isfinite(c[0])) throw inputError(name, "ImageOrientationPatient is degenerate");

  StackPlan plan;
  std::vector<Vec3> positions;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    positions.push_back(patientGeometry ? *frames[i].position
                                        : Vec3{0, 0, static_cast<double>(i) * frames[i].sliceSpacing.value_or(1.0)});
  }
  plan.order.resize(frames.size());
  std::iota(plan.order.begin(), plan.order.end(), 0);
  std::stable_sort(plan.order.begin(), plan.order.end(),
                   [&](std::size_t a, std::size_t b) { return dot(positions[a], n) < dot(positions[b], n); });
  std::vector<double> depth;
  for (std::size_t k : plan.order) {
    plan.positions.push_back(positions[k]);
    depth.push_back(dot(positions[k], n) - dot(positions[plan.order[0]], n));
  }
  std::vector<double> steps;
  for (std::size_t k = 1; k < depth.size(); ++k) steps.push_back(depth[k] - depth[k - 1]);
  const auto duplicates = std::count_if(steps.begin(), steps.end(), [](double s) { return s < 1e-3; });
  if (duplicates > 0)
    throw inputError(name, std::to_string(frames.size()) + " images at " + std::to_string(frames.size() - static_cast<std::size_t>(duplicates)) +
                               " positions (several volumes in one series: echoes, phases or time points?)");

  Geometry g;
  g.size = {columns, rows, static_cast<int64_t>(frames.size())};
  const auto ps = first.pixelSpacing;
  if (!ps || (*ps)[0] <= 0 || (*ps)[1] <= 0) notes.push_back("no pixel spacing in the files: 1 mm assumed");
  g.spacing[0] = ps && (*ps)[1] > 0 ? (*ps)[1] : 1.0;  // PixelSpacing = (between rows, between columns)
  g.spacing[1] = ps && (*ps)[0] > 0 ? (*ps)[0] : 1.0;
  // Positions are rounded decimal strings (often to 0.1 mm), so single steps jitter: a regular stack's
  // spacing is its mean step; an irregular one is resampled at its median step.
  double step = first.sliceSpacing.value_or(1.0);
  double medianStep = step;
  if (!steps.empty()) {
    std::vector<double> sorted = steps;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<long>(sorted.size() / 2), sorted.end());
    medianStep = sorted[sorted.size() / 2];
    step = depth.back() / static_cast<double>(steps.size());
  }
  g.spacing[2] = step;
  g.origin = plan.positions.front();
  for (int i = 0; i < 3; ++i) {
    g.direction[i][0] = r[i];
    g.direction[i][1] = c[i];
    g.direction[i][2] = n[i];
  }
  plan.stacked = g;
  plan.regular = g;

  // Uneven steps (variable spacing, missing slices) beyond rounding jitter, and tilt: the stack drifting
  // in-plane as it advances, by more than a quarter voxel from first to last slice.
  // Rounding each coordinate to 0.1 mm moves single steps by up to ~0.15 mm; a missing slice doubles one.
  const double tolerance = std::max(0.2, 0.05 * medianStep);
  const auto [minStep, maxStep] = steps.empty() ? std::pair{step, step}
                                                : std::pair{*std::min_element(steps.begin(), steps.end()),
                                                            *std::max_element(steps.begin(), steps.end())};
  const bool uneven = maxStep - minStep > tolerance;
  const Vec3 drift = minus(plan.positions.back(), plan.positions.front());
  const double lateral = std::sqrt(std::max(0.0, dot(drift, drift) - depth.back() * depth.back()));
  const bool tilted = lateral > 0.25 * std::min(g.spacing[0], g.spacing[1]);
  if (!uneven && !tilted) return plan;

  std::string what;
  if (uneven) what = "uneven slice spacing (steps " + mm(minStep) + " to " + mm(maxStep) + " mm)";
  if (tilted) {
    const double degrees = std::atan2(lateral, depth.back()) * 180.0 / M_PI;
    what += std::string(uneven ? " and " : "") + "gantry tilt of " + mm(degrees) + " degrees";
  }
  if (options.irregular == IrregularSlices::Refuse)
    throw inputError(name, "series has " + what + "; it is not a regular grid (allow resampling to load it)");
  plan.resample = true;
  const double gridStep = uneven ? medianStep : step;
  // The regular grid may fill gaps (a missing slice, a thicker section), not stand for a stack of which the
  // images are a small part: a stray position far from the rest (or fuzzed positions) would ask for a grid of
  // millions of slices from a few images.
  const double gridSlices = depth.back() / gridStep + 1;
  const double allowed = std::max(64.0, 10.0 * static_cast<double>(plan.positions.size()));
  if (!std::isfinite(gridSlices) || gridSlices > allowed)
    throw inputError(name, "series has " + what + " over " + mm(depth.back()) + " mm: a regular " + mm(gridStep) +
                               " mm grid would need " + (std::isfinite(gridSlices) ? std::to_string(std::llround(gridSlices)) : std::string("infinitely many")) +
                               " slices for " + std::to_string(plan.positions.size()) + " images; it is not resampled");
  plan.regular.spacing[2] = gridStep;
  plan.regular.size[2] = static_cast<int64_t>(std::llround(gridSlices - 1)) + 1;
  notes.push_back(what + ": resampled to a regular " + mm(gridStep) + " mm grid along the slice normal");
  return plan;
}

Volume resampleStack(const Volume& stacked, const StackPlan& plan, double fill) {
  const Geometry& out = plan.regular;
  const Geometry& in = plan.stacked;
  Volume result(out, PixelType::Float32, stacked.components());
  float* dst = result.as<float>();
  const int64_t nx = out.size[0], ny = out.size[1], nk = out.size[2], slices = in.size[2];
  const Vec3 r{out.direction[0][0], out.direction[1][0], out.direction[2][0]};
  const Vec3 c{out.direction[0][1], out.direction[1][1], out.direction[2][1]};
  const Vec3 n{out.direction[0][2], out.direction[1][2], out.direction[2][2]};
  std::vector<double> depth;
  for (const auto& p : plan.positions) depth.push_back(dot(minus(p, plan.positions.front()), n));

  // Bilinear value of slice s at a physical point, or NaN outside it.
  auto sample = [&](int ch, int64_t s, const Vec3& point) {
    const Vec3 d = minus(point, plan.positions[static_cast<std::size_t>(s)]);
    double u = dot(d, r) / in.spacing[0], v = dot(d, c) / in.spacing[1];
    constexpr double eps = 1e-6;  // a point on the slice's edge must not fall outside through rounding
    if (u < -eps || v < -eps || u > static_cast<double>(nx - 1) + eps || v > static_cast<double>(ny - 1) + eps)
      return std::nan("");
    u = std::clamp(u, 0.0, static_cast<double>(nx - 1));
    v = std::clamp(v, 0.0, static_cast<double>(ny - 1));
    const int64_t u0 = std::min<int64_t>(static_cast<int64_t>(u), nx - 2 < 0 ? 0 : nx - 2);
    const int64_t v0 = std::min<int64_t>(static_cast<int64_t>(v), ny - 2 < 0 ? 0 : ny - 2);
    const int64_t u1 = std::min(u0 + 1, nx - 1), v1 = std::min(v0 + 1, ny - 1);
    const double fu = u - static_cast<double>(u0), fv = v - static_cast<double>(v0);
    return (1 - fv) * ((1 - fu) * stacked.valueAt(u0, v0, s, ch) + fu * stacked.valueAt(u1, v0, s, ch)) +
           fv * ((1 - fu) * stacked.valueAt(u0, v1, s, ch) + fu * stacked.valueAt(u1, v1, s, ch));
  };
  for (int ch = 0; ch < stacked.components(); ++ch)
    for (int64_t k = 0; k < nk; ++k) {
      const double z = static_cast<double>(k) * out.spacing[2];
      int64_t s = static_cast<int64_t>(std::upper_bound(depth.begin(), depth.end(), z) - depth.begin()) - 1;
      s = std::clamp<int64_t>(s, 0, std::max<int64_t>(slices - 2, 0));
      const int64_t s1 = std::min(s + 1, slices - 1);
      const double span = depth[static_cast<std::size_t>(s1)] - depth[static_cast<std::size_t>(s)];
      const double w = span > 0 ? std::clamp((z - depth[static_cast<std::size_t>(s)]) / span, 0.0, 1.0) : 0.0;
      for (int64_t j = 0; j < ny; ++j)
        for (int64_t i = 0; i < nx; ++i) {
          const Vec3 p = out.indexToPhysical({static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)});
          const double a = sample(ch, s, p), b = sample(ch, s1, p);
          double v = std::isnan(a) ? b : std::isnan(b) ? a : (1 - w) * a + w * b;
          if (std::isnan(v)) v = fill;
          dst[((static_cast<int64_t>(ch) * nk + k) * ny + j) * nx + i] = static_cast<float>(v);
        }
    }
  return result;
}

}  // namespace krait::io::dicom
