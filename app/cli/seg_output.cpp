#include "seg_output.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <type_traits>

#include "krait/base/label_palette.h"
#include "krait/engine/build_info.h"

namespace fs = std::filesystem;

namespace krait::cli {
namespace {

std::array<uint8_t, 3> rgb(const std::array<int, 3>& colour) {
  return {static_cast<uint8_t>(colour[0]), static_cast<uint8_t>(colour[1]), static_cast<uint8_t>(colour[2])};
}

// The labels a label map holds that can be segments (1 to 65535); none for a non-integer volume, which
// writeDicomSeg refuses with the reason.
std::set<int64_t> segmentLabels(const Volume& labels) {
  std::set<int64_t> found;
  dispatchPixelType(labels.pixelType(), [&](auto v) {
    using T = decltype(v);
    if constexpr (std::is_integral_v<T>) {
      const T* p = labels.as<T>();
      T last = 0;  // runs of one label are the rule: look each run up once
      for (const T* q = p; q != p + labels.elementCount(); ++q)
        if (*q != last) found.insert(static_cast<int64_t>(last = *q));
    }
  });
  std::erase_if(found, [](int64_t l) { return l < 1 || l > 65535; });
  return found;
}

}  // namespace

bool isSegFileName(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".dcm";
}

io::DicomSeries dicomSeriesIn(const fs::path& path, const std::string& seriesUid) {
  const io::DicomScan scan = io::scanDicom(path);
  return io::selectSeries(scan, seriesUid, path);
}

std::vector<io::SegmentInfo> modelSegments(const models::ModelManifest& model) {
  std::vector<io::SegmentInfo> segments;
  for (const models::LabelEntry& l : model.labels) segments.push_back({l.value, l.name, rgb(l.colour)});
  return segments;
}

std::vector<io::SegmentInfo> unnamedSegments(const Volume& labels) {
  std::vector<io::SegmentInfo> segments;
  for (int64_t l : segmentLabels(labels))
    segments.push_back({static_cast<int>(l), "Segment " + std::to_string(l), rgb(defaultLabelColour(l))});
  return segments;
}

SegTarget segTarget(const fs::path& file, const io::DicomSeries& series, std::vector<io::SegmentInfo> segments,
                    const models::ModelManifest* model, const std::string& uidRoot) {
  SegTarget t{file, series, {}, std::move(segments), {}};
  // The model is the algorithm, identified by its checksum (the sha256 over its files). Without one, Krait cannot
  // tell what drew the labels: the segments claim no algorithm (MANUAL) rather than one that did not run.
  if (model) {
    t.options.algorithmName = model->name;
    t.options.algorithmVersion = models::modelVersion(*model);
  } else {
    t.options.algorithmType = io::SegAlgorithmType::Manual;
    t.options.algorithmName.clear();
  }
  t.options.softwareVersion = buildInfo().fullVersion();  // with the commit: "0.1.0+bc7d9b5"
  t.options.uidRoot = uidRoot;
  t.options.terminology = io::SegmentTerminology::load(io::defaultTerminologyFile());
  t.grid = io::checkDicomSegOutput(t.series, t.segments, t.options, t.file);
  return t;
}

void writeSeg(const Volume& labels, const SegTarget& target) {
  io::writeDicomSeg(labels, target.series, target.segments, target.options, target.file);
}

std::string segmentLines(const std::vector<io::SegmentInfo>& segments) {
  std::string out;
  for (const io::SegmentInfo& s : segments)
    out += "  " + std::to_string(s.label) + "  " + s.name + "  rgb(" + std::to_string(s.rgb[0]) + ", " +
           std::to_string(s.rgb[1]) + ", " + std::to_string(s.rgb[2]) + ")\n";
  return out;
}

}  // namespace krait::cli
