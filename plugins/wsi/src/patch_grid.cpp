#include "patch_grid.h"

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <stdexcept>

namespace krait::wsi {
namespace {

std::vector<cv::Point> contourOf(const Ring& ring) {
  std::vector<cv::Point> points;
  points.reserve(ring.size());
  for (const Point& p : ring) points.emplace_back(static_cast<int>(p[0]), static_cast<int>(p[1]));
  return points;
}

bool inside(const std::vector<cv::Point>& contour, double x, double y) {
  return cv::pointPolygonTest(contour, cv::Point2f(static_cast<float>(x), static_cast<float>(y)), false) >= 0;
}

// CLAM's Contour_Checking_fn classes (wsi_core/util_classes.py) on a patch whose corner is (x, y).
bool passes(ContourCheck check, const std::vector<cv::Point>& contour, int64_t x, int64_t y, int64_t size) {
  const int64_t cx = x + size / 2, cy = y + size / 2;
  if (check == ContourCheck::Basic) return inside(contour, static_cast<double>(x), static_cast<double>(y));
  const int64_t shift = (size / 2) / 2;  // int(patch_size // 2 * 0.5)
  if (check == ContourCheck::Center || shift == 0) return inside(contour, static_cast<double>(cx), static_cast<double>(cy));
  const int64_t points[4][2] = {{cx - shift, cy - shift}, {cx + shift, cy + shift}, {cx + shift, cy - shift}, {cx - shift, cy + shift}};
  int in = 0;
  for (const auto& p : points) in += inside(contour, static_cast<double>(p[0]), static_cast<double>(p[1]));
  return check == ContourCheck::FourPoint ? in > 0 : in == 4;
}

}  // namespace

ContourCheck contourCheckNamed(const std::string& name) {
  if (name == "four_pt") return ContourCheck::FourPoint;
  if (name == "four_pt_hard") return ContourCheck::FourPointHard;
  if (name == "center") return ContourCheck::Center;
  if (name == "basic") return ContourCheck::Basic;
  throw std::invalid_argument("unknown contour check '" + name + "' (four_pt, four_pt_hard, center, basic)");
}

PatchGeometry geometryAtLevel(const Slide& slide, int level, int64_t patchSize, int64_t stepSize) {
  if (level < 0 || level >= static_cast<int>(slide.levels().size()))
    throw std::invalid_argument("patch level " + std::to_string(level) + ": the slide has " +
                                std::to_string(slide.levels().size()) + " levels");
  if (patchSize < 1 || stepSize < 1) throw std::invalid_argument("the patch and step sizes must be positive");
  PatchGeometry g;
  g.level = level;
  g.readSize = patchSize;
  g.step = stepSize;
  // CLAM truncates the level's downsample to an integer (process_contour's patch_downsample).
  g.level0Size = patchSize * static_cast<int64_t>(slide.levels()[static_cast<size_t>(level)].downsample);
  return g;
}

PatchGeometry geometryAtSpacing(const Slide& slide, double targetMpp, int64_t patchSize, double overlap) {
  if (!(targetMpp > 0) || patchSize < 1) throw std::invalid_argument("the target µm/px and the patch size must be positive");
  if (!(overlap >= 0 && overlap < 1)) throw std::invalid_argument("the overlap must be in [0, 1)");
  if (slide.mppSource() == MppSource::Unknown)
    throw SlideError(slide.path(), "the pixel size is unknown, so patches cannot be placed at " +
                                       std::to_string(targetMpp) + " µm/px; give it with --mpp");
  const double downsample = targetMpp / slide.mppX();
  // A little slack so that 0.2499 µm/px slides count as 0.25 (scanners round their calibration).
  const int level = slide.bestLevelForDownsample(downsample * 1.01);
  const double levelDownsample = static_cast<double>(static_cast<int64_t>(slide.levels()[static_cast<size_t>(level)].downsample));
  PatchGeometry g;
  g.level = level;
  g.readSize = std::max<int64_t>(1, std::llround(static_cast<double>(patchSize) * downsample / levelDownsample));
  g.level0Size = g.readSize * static_cast<int64_t>(levelDownsample);
  g.step = std::max<int64_t>(1, std::llround(static_cast<double>(g.readSize) * (1 - overlap)));
  return g;
}

std::vector<std::array<int64_t, 2>> patchGrid(const Slide& slide, const std::vector<TissueRegion>& regions,
                                              const PatchGeometry& g, ContourCheck check, bool usePadding) {
  const int64_t levelDownsample = static_cast<int64_t>(slide.levels()[static_cast<size_t>(g.level)].downsample);
  const int64_t stepLevel0 = g.step * levelDownsample;
  std::vector<std::array<int64_t, 2>> coords;
  for (const TissueRegion& region : regions) {
    const std::vector<cv::Point> outline = contourOf(region.outer);
    std::vector<std::vector<cv::Point>> holes;
    for (const Ring& h : region.holes) holes.push_back(contourOf(h));
    const cv::Rect box = cv::boundingRect(outline);
    int64_t stopX = box.x + box.width, stopY = box.y + box.height;
    if (!usePadding) {
      stopX = std::min(stopX, slide.width() - g.level0Size + 1);
      stopY = std::min(stopY, slide.height() - g.level0Size + 1);
    }
    for (int64_t x = box.x; x < stopX; x += stepLevel0)
      for (int64_t y = box.y; y < stopY; y += stepLevel0) {
        if (!passes(check, outline, x, y, g.level0Size)) continue;
        // isInHoles: the centre strictly inside a hole drops the patch.
        bool inHole = false;
        const double cx = static_cast<double>(x) + static_cast<double>(g.level0Size) / 2.0;
        const double cy = static_cast<double>(y) + static_cast<double>(g.level0Size) / 2.0;
        for (const auto& hole : holes)
          if (cv::pointPolygonTest(hole, cv::Point2f(static_cast<float>(cx), static_cast<float>(cy)), false) > 0) inHole = true;
        if (!inHole) coords.push_back({x, y});
      }
  }
  return coords;
}

}  // namespace krait::wsi
