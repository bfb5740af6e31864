// One DICOM series -> one volume: decode every frame, apply the modality rescale, place frames in slice
// order, choose the narrowest voxel type that holds the values exactly, resample when the plan says so.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include <cmath>
#include <limits>
#include <memory>

#include "dicom_codecs.h"
#include "dicom_geometry.h"
#include "dicom_pixels.h"
#include "dicom_tags.h"
#include "krait/base/error.h"
#include "krait/io/dicom.h"

namespace krait::io {

namespace {

struct LoadedFile {
  std::unique_ptr<DcmFileFormat> format;
  dicom::PixelLayout layout;
  unsigned long frames = 1;
};

LoadedFile loadFile(const std::filesystem::path& path) {
  LoadedFile f;
  f.format = std::make_unique<DcmFileFormat>();
  const OFCondition c = f.format->loadFile(path.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect);
  if (c.bad()) throw inputError(path.string(), std::string("cannot read DICOM file (") + c.text() + ")");
  DcmDataset& ds = *f.format->getDataset();
  f.layout = dicom::readPixelLayout(ds, path.string());
  f.frames = static_cast<unsigned long>(std::max(1, dicom::getInt(ds, DCM_NumberOfFrames, 1)));
  return f;
}

bool sameLayout(const dicom::PixelLayout& a, const dicom::PixelLayout& b) {
  return a.rows == b.rows && a.columns == b.columns && a.samplesPerPixel == b.samplesPerPixel &&
         a.photometric == b.photometric;
}

// Integers stay integers when the rescale keeps them whole; the smallest exact type is chosen afterwards.
Volume narrowed(const Volume& wide, const dicom::PixelLayout& layout, bool rescaled) {
  const ValueRange r = wide.valueRange();
  PixelType t = PixelType::Int32;
  if (!rescaled && !layout.isSigned && layout.bitsAllocated <= 8 && r.min >= 0 && r.max <= 255) t = PixelType::UInt8;
  else if (r.min >= -32768 && r.max <= 32767) t = PixelType::Int16;
  else if (r.min >= 0 && r.max <= 65535) t = PixelType::UInt16;
  if (t == PixelType::Int32) return wide;
  Volume out(wide.geometry(), t, wide.components());
  const int32_t* src = wide.as<int32_t>();
  dispatchPixelType(t, [&](auto v) {
    using T = decltype(v);
    T* dst = out.as<T>();
    for (std::size_t i = 0; i < wide.elementCount(); ++i) dst[i] = static_cast<T>(src[i]);
  });
  return out;
}

}  // namespace

Volume loadDicomSeries(const DicomSeries& series, const DicomLoadOptions& options, std::vector<std::string>* notes) {
  dicom::registerCodecs();
  if (series.files.empty()) throw Error(ErrorKind::Internal, "empty DICOM series");
  const std::string name = series.files.size() == 1 ? series.files[0].string()
                                                    : series.files[0].parent_path().string() + " (series " + series.seriesUid + ")";
  if (!series.hasPixels) dicom::readPixelLayout(*loadFile(series.files[0]).format->getDataset(), series.files[0].string());

  std::vector<LoadedFile> files;
  std::vector<dicom::FramePlacement> frames;
  std::vector<std::string> said;
  for (std::size_t i = 0; i < series.files.size(); ++i) {
    files.push_back(loadFile(series.files[i]));
    if (!sameLayout(files[i].layout, files[0].layout))
      throw inputError(series.files[i].string(), "image size or colour model differs from the rest of the series");
    for (auto& f : dicom::framePlacements(*files[i].format->getDataset(), i, files[i].frames, said)) frames.push_back(f);
  }
  const dicom::PixelLayout& layout = files[0].layout;
  const dicom::StackPlan plan = dicom::planStack(frames, layout.rows, layout.columns, options, name, said);

  bool rescaled = false, whole = true;
  for (const auto& f : frames) {
    rescaled = rescaled || f.slope != 1.0 || f.intercept != 0.0;
    whole = whole && f.slope == 1.0 && f.intercept == std::round(f.intercept);
  }
  const bool eightBitColour = layout.photometric == "PALETTE COLOR" || layout.bitsStored <= 8;
  const PixelType wideType = layout.isColour() ? (eightBitColour ? PixelType::UInt8 : PixelType::UInt16)
                             : whole && !(layout.bitsStored == 32 && !layout.isSigned) ? PixelType::Int32
                                                                                       : PixelType::Float32;
  Volume stacked(plan.stacked, wideType, layout.channels());

  // Decode in file order (compressed multi-frame data is read front to back) and drop each frame at its rank.
  std::vector<std::size_t> rank(frames.size());
  for (std::size_t k = 0; k < plan.order.size(); ++k) rank[plan.order[k]] = k;
  const std::size_t slice = static_cast<std::size_t>(layout.rows) * static_cast<std::size_t>(layout.columns);
  const std::size_t slices = frames.size();
  std::size_t index = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    dicom::FrameDecoder decoder{*files[i].format->getDataset(), layout, files[i].frames, series.files[i].string()};
    for (unsigned long fr = 0; fr < files[i].frames; ++fr, ++index) {
      const std::vector<double> values = decoder.decode(fr);
      const double slope = layout.isColour() ? 1.0 : frames[index].slope;
      const double intercept = layout.isColour() ? 0.0 : frames[index].intercept;
      dispatchPixelType(wideType, [&](auto v) {
        using T = decltype(v);
        T* dst = stacked.as<T>();
        for (int ch = 0; ch < layout.channels(); ++ch) {
          T* out = dst + (static_cast<std::size_t>(ch) * slices + rank[index]) * slice;
          const double* in = values.data() + static_cast<std::size_t>(ch) * slice;
          for (std::size_t p = 0; p < slice; ++p) out[p] = static_cast<T>(in[p] * slope + intercept);
        }
      });
    }
    files[i].format.reset();  // pixel data of finished files is no longer needed
  }

  if (layout.photometric == "MONOCHROME1") said.push_back("MONOCHROME1: higher values display darker");
  if (notes)
    for (const auto& s : said) notes->push_back(name + ": " + s);
  Volume volume = plan.resample ? dicom::resampleStack(stacked, plan, stacked.valueRange().min)
                  : wideType == PixelType::Int32 ? narrowed(stacked, layout, rescaled)
                                                 : std::move(stacked);
  validateGeometry(volume.geometry(), name);
  return volume;
}

}  // namespace krait::io
