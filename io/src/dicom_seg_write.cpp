// Label map -> binary DICOM SEG: one segment per label, one frame per segment and slice holding any of its
// voxels, every frame placed and referenced like the source image it was drawn on.
#include <algorithm>
#include <map>
#include <set>
#include <type_traits>

#include "dicom_codecs.h"
#include "dicom_seg_document.h"
#include "dicom_seg_uids.h"
#include "krait/base/atomic_output.h"
#include "krait/base/error.h"
#include "krait/io/dicom_seg.h"
#include "krait/io/volume_io.h"

namespace krait::io {

namespace {

// label -> slices holding it, in slice order. Throws for anything that is not a label map.
std::map<int64_t, std::vector<int64_t>> slicesOfLabels(const Volume& labels, const std::string& out) {
  if (labels.components() != 1)
    throw outputError(out, "labels have " + std::to_string(labels.components()) + " channels; a label map has one");
  const Geometry& g = labels.geometry();
  const std::size_t slice = static_cast<std::size_t>(g.size[0] * g.size[1]);
  std::map<int64_t, std::vector<int64_t>> slices;
  dispatchPixelType(labels.pixelType(), [&](auto v) {
    using T = decltype(v);
    if constexpr (std::is_floating_point_v<T>) {
      throw outputError(out, std::string("labels are ") + pixelTypeName(labels.pixelType()) + "; a label map holds integers");
    } else {
      const T* p = labels.as<T>();
      for (int64_t k = 0; k < g.size[2]; ++k) {
        std::set<T> present;
        T last = 0;  // runs of one label are the rule: look each run up once
        for (const T* q = p + k * slice; q != p + (k + 1) * slice; ++q)
          if (*q != last) present.insert(last = *q);
        for (T value : present) {
          const auto label = static_cast<int64_t>(value);
          if (label < 0 || label > 65535)
            throw outputError(out, "the label map holds " + std::to_string(label) + "; labels are 0 (background) and segments 1 to 65535");
          if (label != 0) slices[label].push_back(k);
        }
      }
    }
  });
  return slices;
}

// DICOM's LO and SH: at most 64 (16) characters, no backslash (it separates values).
void checkText(const std::string& value, const std::string& what, std::size_t max, const std::string& out) {
  const auto characters = std::count_if(value.begin(), value.end(), [](char c) { return (c & 0xC0) != 0x80; });  // UTF-8
  if (static_cast<std::size_t>(characters) > max || value.find('\\') != std::string::npos)
    throw outputError(out, what + " \"" + value + "\" does not fit DICOM: at most " + std::to_string(max) + " characters, no backslash");
}

void checkCode(const std::optional<CodedConcept>& code, const std::string& segment, const std::string& out) {
  if (!code) return;
  checkText(code->value, "a code of segment \"" + segment + "\"", 16, out);  // Long and URN code values are not written
  checkText(code->scheme, "a coding scheme of segment \"" + segment + "\"", 16, out);
  checkText(code->meaning, "a code meaning of segment \"" + segment + "\"", 64, out);
  if (code->value.empty() || code->scheme.empty() || code->meaning.empty())
    throw outputError(out, "segment \"" + segment + "\" has a code with an empty value, scheme or meaning");
}

void checkOptions(const SegWriteOptions& o, const std::string& out) {
  checkText(o.algorithmName, "algorithm name", 64, out);
  if (o.algorithmName.empty() && o.algorithmType != SegAlgorithmType::Manual)
    throw outputError(out, "an automatic or semi-automatic segmentation needs an algorithm name");
  checkText(o.algorithmVersion, "algorithm version", 64, out);
  checkText(o.softwareVersion, "software version", 64, out);
  checkText(o.seriesDescription, "series description", 64, out);
  if (o.seriesNumber < 0) throw outputError(out, "series number " + std::to_string(o.seriesNumber) + " is negative");
}

// The segments in label order, each label once, within DICOM's segment numbers, named and coded as DICOM allows.
std::vector<SegmentInfo> orderedSegments(std::vector<SegmentInfo> segments, const std::string& out) {
  std::sort(segments.begin(), segments.end(), [](const SegmentInfo& a, const SegmentInfo& b) { return a.label < b.label; });
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const SegmentInfo& s = segments[i];
    if (s.label < 1 || s.label > 65535)
      throw outputError(out, "segment \"" + s.name + "\" has label " + std::to_string(s.label) +
                                 "; segments are labels 1 to 65535 (0 is background)");
    if (i > 0 && segments[i - 1].label == s.label) throw outputError(out, "label " + std::to_string(s.label) + " is given two segments");
    if (s.name.empty()) throw outputError(out, "label " + std::to_string(s.label) + " has no name");
    checkText(s.name, "segment name", 64, out);
    checkCode(s.category, s.name, out);
    checkCode(s.type, s.name, out);
  }
  return segments;
}

// Every label present has a segment, and there is a label at all.
void checkPresentLabels(const std::vector<SegmentInfo>& segments, const std::map<int64_t, std::vector<int64_t>>& present,
                        const std::string& out) {
  std::string unnamed;
  for (const auto& entry : present)  // not a structured binding: clang 14 (the fuzz build) cannot capture one
    if (const int64_t label = entry.first;
        std::none_of(segments.begin(), segments.end(), [&](const SegmentInfo& s) { return s.label == label; }))
      unnamed += (unnamed.empty() ? "" : ", ") + std::to_string(label);
  if (!unnamed.empty()) throw outputError(out, "labels " + unnamed + " occur in the label map but have no segment");
  if (present.empty()) throw outputError(out, "every label is empty: a DICOM SEG needs at least one frame");
}

}  // namespace

Geometry checkDicomSegOutput(const DicomSeries& series, const std::vector<SegmentInfo>& segments,
                             const SegWriteOptions& options, const std::filesystem::path& out) {
  dicom::checkedUidRoot(options.uidRoot);
  checkOptions(options, out.string());
  orderedSegments(segments, out.string());
  const Geometry grid = dicom::describeSource(series).grid;
  checkOutputFolder(out);
  return grid;
}

void writeDicomSeg(const Volume& labels, const DicomSeries& series, const std::vector<SegmentInfo>& segments,
                   const SegWriteOptions& options, const std::filesystem::path& out) {
  dicom::registerCodecs();
  const std::string root = dicom::checkedUidRoot(options.uidRoot);
  const std::string name = out.string();
  checkOptions(options, name);
  if (labels.empty()) throw outputError(name, "nothing to write: the label map is empty");
  const dicom::SourceSeries source = dicom::describeSource(series);
  const std::string differs = gridDifference(labels.geometry(), source.grid, "series");
  if (!differs.empty()) throw outputError(name, "labels are not on the grid of " + source.name + ": " + differs);
  const auto present = slicesOfLabels(labels, name);
  const std::vector<SegmentInfo> ordered = orderedSegments(segments, name);
  checkPresentLabels(ordered, present, name);
  AtomicOutput output(out);

  std::size_t frames = 0;
  for (const auto& [label, slices] : present) frames += slices.size();
  dicom::SegDocument document(source, series, options, root, frames);
  const Geometry& g = labels.geometry();
  const std::size_t sliceSize = static_cast<std::size_t>(g.size[0] * g.size[1]);
  std::vector<uint8_t> mask(sliceSize);
  for (std::size_t s = 0; s < ordered.size(); ++s) {
    document.addSegment(ordered[s]);
    const auto slices = present.find(ordered[s].label);
    if (slices == present.end()) continue;  // a segment with no voxels keeps its name and colour, and no frame
    for (int64_t k : slices->second) {
      dispatchPixelType(labels.pixelType(), [&](auto v) {
        using T = decltype(v);
        const T* p = labels.as<T>() + k * static_cast<int64_t>(sliceSize);
        for (std::size_t i = 0; i < sliceSize; ++i) mask[i] = static_cast<int64_t>(p[i]) == ordered[s].label;
      });
      document.addFrame(static_cast<int>(s + 1), k, mask.data());
    }
  }
  document.save(output.stagingPath(), name);
  output.commit();
}

}  // namespace krait::io
