#include "dicom_seg_source.h"

#include <algorithm>

#include "dicom_geometry.h"
#include "dicom_tags.h"
#include "krait/base/error.h"

namespace krait::io::dicom {

namespace {

// Elements longer than this stay in the file (DCMTK loads them only if asked): pixel data is never read.
constexpr Uint32 kHeaderReadLimit = 4096;

std::unique_ptr<DcmFileFormat> loadHeader(const std::filesystem::path& file) {
  auto format = std::make_unique<DcmFileFormat>();
  const OFCondition c = format->loadFile(file.c_str(), EXS_Unknown, EGL_noChange, kHeaderReadLimit, ERM_autoDetect);
  if (c.bad()) throw inputError(file.string(), std::string("cannot read DICOM file (") + c.text() + ")");
  return format;
}

}  // namespace

SourceSeries describeSource(const DicomSeries& series) {
  if (series.files.empty()) throw Error(ErrorKind::Internal, "empty DICOM series");
  SourceSeries source;
  source.name = series.files.size() == 1 ? series.files[0].string()
                                         : series.files[0].parent_path().string() + " (series " + series.seriesUid + ")";
  std::vector<FramePlacement> frames;
  std::vector<SourceSlice> byFrame;  // in the order of `frames`
  std::vector<std::string> notes;
  for (std::size_t i = 0; i < series.files.size(); ++i) {
    std::unique_ptr<DcmFileFormat> header = loadHeader(series.files[i]);
    DcmDataset& ds = *header->getDataset();
    const auto count = static_cast<unsigned long>(std::max(1, getInt(ds, DCM_NumberOfFrames, 1)));
    for (const FramePlacement& f : framePlacements(ds, i, count, notes)) {
      if (!f.position || !f.orientation)
        throw inputError(series.files[i].string(),
                         "has no patient position and orientation: a DICOM SEG can only be placed on images that have them");
      frames.push_back(f);
      byFrame.push_back({getString(ds, DCM_SOPClassUID), getString(ds, DCM_SOPInstanceUID), f.frame, count > 1, *f.position});
    }
    if (i == 0) {
      source.frameOfReferenceUid = getString(ds, DCM_FrameOfReferenceUID);
      source.sliceThickness = getNumber(ds, DCM_SliceThickness);
      source.firstHeader = std::move(header);
    }
  }
  const StackPlan plan = planStack(frames, series.rows, series.columns, {}, source.name, notes);
  if (plan.resample) {
    const std::string what = notes.back().substr(0, notes.back().find(": resampled"));
    throw inputError(source.name, "slices are not a regular grid (" + what + "); a DICOM SEG's frames must lie on the series' own images");
  }
  source.grid = plan.stacked;
  for (std::size_t k : plan.order) source.slices.push_back(byFrame[k]);
  return source;
}

}  // namespace krait::io::dicom
