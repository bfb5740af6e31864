#include "dicom_seg_labels.h"

#include "krait/base/error.h"
#include "krait/engine/build_info.h"
#include "label_statistics.h"

namespace krait::studio {

SegDocument segDocument(const ViewerState& state, const io::DicomSeries& series) {
  if (state.hasPreview()) throw Error(ErrorKind::Usage, "accept or discard the segmentation preview first");
  if (state.labels().blank()) throw Error(ErrorKind::Usage, "there are no labels: segment the image or draw them first");
  SegDocument document{state.labels().labels(), series, {}, {}};
  // Labels the table names but the map does not hold would be empty segments: only those present go.
  for (const SegmentRow& row : state.segments().rows(labelStatistics(document.labels)))
    if (row.voxels > 0)
      document.segments.push_back({static_cast<int>(row.label), row.name, {row.colour.r, row.colour.g, row.colour.b}});
  if (document.segments.empty()) throw Error(ErrorKind::Usage, "no voxel is labelled");
  const LabelAuthor& author = state.labelAuthor();
  io::SegWriteOptions& options = document.options;
  // Drawn by hand: no algorithm is claimed (MANUAL). A model's result: AUTOMATIC, or SEMIAUTOMATIC once painted on.
  options.algorithmType = author.model.empty() ? io::SegAlgorithmType::Manual
                          : author.edited      ? io::SegAlgorithmType::SemiAutomatic
                                               : io::SegAlgorithmType::Automatic;
  options.algorithmName = author.model;
  options.algorithmVersion = author.version;
  options.softwareVersion = buildInfo().fullVersion();
  options.terminology = io::SegmentTerminology::load(io::defaultTerminologyFile());
  return document;
}

void writeSeg(const SegDocument& document, const std::filesystem::path& file) {
  io::writeDicomSeg(document.labels, document.series, document.segments, document.options, file);
}

std::string labelMapNote(const LabelAuthor& author) {
  if (author.model.empty()) return fileNote("studio");
  return fileNote("studio, " + author.model + (author.edited ? ", edited" : ""));
}

SegLabels readSegLabels(const std::filesystem::path& file, const io::DicomSeries& series) {
  io::DicomSegRead read = io::readDicomSeg(file, series);
  SegLabels out{std::move(read.labels), {}, std::move(read.notes)};
  for (const io::SegmentInfo& s : read.segments) out.segments.push_back({s.label, s.name, std::array<int, 3>{s.rgb[0], s.rgb[1], s.rgb[2]}});
  return out;
}

}  // namespace krait::studio
