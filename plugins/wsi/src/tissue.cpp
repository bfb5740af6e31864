#include "tissue.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

namespace krait::wsi {
namespace {

using Contour = std::vector<cv::Point>;

Ring scaled(const Contour& contour, double sx, double sy) {
  Ring ring;
  ring.reserve(contour.size());
  // numpy's int32 cast of contour * scale: truncation toward zero.
  for (const cv::Point& p : contour)
    ring.push_back({static_cast<double>(static_cast<int32_t>(p.x * sx)), static_cast<double>(static_cast<int32_t>(p.y * sy))});
  return ring;
}

}  // namespace

std::vector<std::string> segmentationPresetNames() { return {"default", "tcga", "bwh_biopsy", "bwh_resection"}; }

SegmentationParams segmentationPreset(const std::string& name) {
  SegmentationParams p;
  if (name == "default") return p;
  // presets/*.csv of CLAM: sthresh, mthresh, close, a_t, a_h, max_n_holes.
  if (name == "tcga") p.sthresh = 8, p.mthresh = 7, p.close = 4, p.areaTissue = 16, p.areaHole = 4, p.maxHoles = 8;
  else if (name == "bwh_biopsy") p.sthresh = 15, p.mthresh = 11, p.close = 2, p.areaTissue = 1, p.areaHole = 1, p.maxHoles = 2;
  else if (name == "bwh_resection") p.sthresh = 15, p.mthresh = 11, p.close = 4, p.areaTissue = 100, p.areaHole = 16, p.maxHoles = 8;
  else throw std::invalid_argument("unknown segmentation preset '" + name + "' (default, tcga, bwh_biopsy, bwh_resection)");
  return p;
}

Segmentation segmentTissue(const Slide& slide, const SegmentationParams& params) {
  const auto& levels = slide.levels();
  int level = params.segLevel;
  if (level < 0) level = levels.size() == 1 ? 0 : slide.bestLevelForDownsample(64);
  if (level >= static_cast<int>(levels.size()))
    throw std::invalid_argument("segmentation level " + std::to_string(level) + ": the slide has " +
                                std::to_string(levels.size()) + " levels");
  if (params.mthresh < 1 || params.mthresh % 2 == 0)
    throw std::invalid_argument("the median blur size (mthresh) must be odd and positive, not " + std::to_string(params.mthresh));
  const Level& l = levels[level];
  if (static_cast<double>(l.width) * static_cast<double>(l.height) > 1e8)
    throw SlideError(slide.path(), "level " + std::to_string(level) + " (" + std::to_string(l.width) + " x " +
                                       std::to_string(l.height) + ") is too large to segment; choose a coarser level");

  const RgbImage rgb = slide.readRegion(0, 0, level, l.width, l.height);
  cv::Mat image(static_cast<int>(rgb.height), static_cast<int>(rgb.width), CV_8UC3, const_cast<uint8_t*>(rgb.pixels.data()));
  cv::Mat hsv, channels[3], blurred, mask;
  cv::cvtColor(image, hsv, cv::COLOR_RGB2HSV);
  cv::split(hsv, channels);
  cv::medianBlur(channels[1], blurred, params.mthresh);
  if (params.useOtsu) cv::threshold(blurred, mask, 0, params.sthreshUp, cv::THRESH_OTSU + cv::THRESH_BINARY);
  else cv::threshold(blurred, mask, params.sthresh, params.sthreshUp, cv::THRESH_BINARY);
  if (params.close > 0)
    cv::morphologyEx(mask, mask, cv::MORPH_CLOSE, cv::Mat::ones(params.close, params.close, CV_8U));

  // CLAM's level downsample: level-0 size over the level's size per axis, unless that equals OpenSlide's.
  const double sx = static_cast<double>(levels[0].width) / static_cast<double>(l.width);
  const double sy = static_cast<double>(levels[0].height) / static_cast<double>(l.height);
  const bool exact = sx == l.downsample && sy == l.downsample;
  const double scaleX = exact ? l.downsample : sx, scaleY = exact ? l.downsample : sy;
  const double refArea = static_cast<double>(static_cast<int64_t>(
      static_cast<double>(params.refPatchSize) * params.refPatchSize / (scaleX * scaleY)));
  const double areaTissue = params.areaTissue * refArea, areaHole = params.areaHole * refArea;

  std::vector<Contour> contours;
  std::vector<cv::Vec4i> hierarchy;
  cv::findContours(mask, contours, hierarchy, cv::RETR_CCOMP, cv::CHAIN_APPROX_NONE);

  Segmentation out;
  out.level = level;
  std::vector<TissueRegion> regions;
  for (size_t i = 0; i < contours.size(); ++i) {
    if (hierarchy[i][3] != -1) continue;  // a hole; taken with its parent
    std::vector<size_t> holes;
    for (size_t j = 0; j < contours.size(); ++j)
      if (hierarchy[j][3] == static_cast<int>(i)) holes.push_back(j);
    double area = cv::contourArea(contours[i]);
    double holeArea = 0;
    for (const size_t h : holes) holeArea += cv::contourArea(contours[h]);
    area -= holeArea;
    if (area == 0 || !(areaTissue < area)) continue;
    // The largest holes first (Python's stable sort), at most max_n_holes, each above a_h.
    std::stable_sort(holes.begin(), holes.end(),
                     [&](size_t a, size_t b) { return cv::contourArea(contours[a]) > cv::contourArea(contours[b]); });
    if (holes.size() > static_cast<size_t>(std::max(params.maxHoles, 0))) holes.resize(static_cast<size_t>(std::max(params.maxHoles, 0)));
    TissueRegion region{scaled(contours[i], scaleX, scaleY), {}};
    for (const size_t h : holes)
      if (cv::contourArea(contours[h]) > areaHole) region.holes.push_back(scaled(contours[h], scaleX, scaleY));
    regions.push_back(std::move(region));
  }
  // keep_ids minus exclude_ids, else all minus exclude_ids; in ascending order as CLAM's set of small ints.
  std::set<int> ids;
  if (!params.keepIds.empty()) ids.insert(params.keepIds.begin(), params.keepIds.end());
  else for (int i = 0; i < static_cast<int>(regions.size()); ++i) ids.insert(i);
  for (const int e : params.excludeIds) ids.erase(e);
  for (const int i : ids) {
    if (i < 0 || i >= static_cast<int>(regions.size()))
      throw std::invalid_argument("tissue region " + std::to_string(i) + " does not exist (" +
                                  std::to_string(regions.size()) + " regions)");
    out.regions.push_back(regions[static_cast<size_t>(i)]);
  }
  return out;
}

}  // namespace krait::wsi
