#include "dicom_seg_file.h"

#include <dcmtk/dcmseg/segment.h>

#include <algorithm>

#include "dicom_codecs.h"
#include "dicom_seg_bits.h"
#include "dicom_seg_colour.h"
#include "dicom_tags.h"
#include "krait/base/error.h"
#include "krait/base/label_palette.h"

namespace krait::io::dicom {

namespace {

std::optional<CodedConcept> coded(CodeSequenceMacro& code) {
  OFString value, scheme, meaning;
  code.getCodeValue(value);  // or the Long or URN Code Value, whichever the file uses
  code.getCodingSchemeDesignator(scheme);
  code.getCodeMeaning(meaning);
  if (value.empty() && meaning.empty()) return std::nullopt;
  return CodedConcept{value.c_str(), scheme.c_str(), meaning.c_str()};
}

SegmentInfo segmentInfo(DcmSegment& segment, int number) {
  SegmentInfo s;
  s.label = number;
  OFString label;
  segment.getSegmentLabel(label);
  s.name = label.c_str();
  Uint16 l = 0, a = 0, b = 0;
  if (segment.getRecommendedDisplayCIELabValue(l, a, b).good()) {
    s.rgb = dicomLabToRgb({l, a, b});
  } else {  // the colour is optional in a SEG: Krait's own for that label
    const auto c = defaultLabelColour(number);
    s.rgb = {static_cast<uint8_t>(c[0]), static_cast<uint8_t>(c[1]), static_cast<uint8_t>(c[2])};
  }
  s.category = coded(segment.getSegmentedPropertyCategoryCode());
  s.type = coded(segment.getSegmentedPropertyTypeCode());
  return s;
}

// Series of the source images: Referenced Series Sequence, and the one nested for other studies.
std::vector<std::string> referencedSeriesOf(DcmItem& ds) {
  std::vector<std::string> uids;
  const auto collect = [&](DcmItem& item) {
    DcmItem* series = nullptr;
    for (signed long i = 0; item.findAndGetSequenceItem(DCM_ReferencedSeriesSequence, series, i).good() && series; ++i)
      if (const std::string uid = getString(*series, DCM_SeriesInstanceUID); !uid.empty()) uids.push_back(uid);
  };
  collect(ds);
  DcmItem* study = nullptr;
  for (signed long i = 0; ds.findAndGetSequenceItem(DCM_StudiesContainingOtherReferencedInstancesSequence, study, i).good() && study; ++i)
    collect(*study);
  return uids;
}

std::string sourceInstanceOf(DcmItem& ds, unsigned long frame) {
  DcmItem* derivation = functionalGroup(ds, DCM_DerivationImageSequence, frame);
  DcmItem* source = nullptr;
  if (derivation && derivation->findAndGetSequenceItem(DCM_SourceImageSequence, source, 0).good() && source)
    return getString(*source, DCM_ReferencedSOPInstanceUID);
  return {};
}

// Frames the pixel data holds, for a file that does not say (pydicom's one-frame SEG test file is such).
unsigned long framesInPixelData(DcmItem& ds, std::size_t bitsPerFrame) {
  DcmElement* pixels = nullptr;
  if (ds.findAndGetElement(DCM_PixelData, pixels).bad() || !pixels || bitsPerFrame == 0) return 0;
  return static_cast<unsigned long>(static_cast<std::size_t>(pixels->getLength()) * 8 / bitsPerFrame);
}

}  // namespace

SegFile::SegFile(const std::filesystem::path& path) : name_(path.string()) {
  registerCodecs();
  DcmFileFormat file;
  const OFCondition loaded = file.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect);
  if (loaded.bad()) throw inputError(name_, std::string("cannot read DICOM file (") + loaded.text() + ")");
  DcmDataset& ds = *file.getDataset();
  const std::string sopClass = getString(ds, DCM_SOPClassUID);
  if (sopClass != UID_SegmentationStorage) {
    const char* known = dcmFindNameOfUID(sopClass.c_str());
    throw inputError(name_, "not a DICOM SEG (its SOP class is " + (known ? std::string(known) : sopClass.empty() ? "missing" : sopClass) + ")");
  }
  const std::string type = getString(ds, DCM_SegmentationType);
  if (type != "BINARY" && type != "FRACTIONAL") throw inputError(name_, "DICOM SEG of unknown Segmentation Type \"" + type + "\"");
  fractional_ = type == "FRACTIONAL";
  maxFractional_ = static_cast<unsigned>(std::max(1, getInt(ds, DCM_MaximumFractionalValue, 255)));
  info_.rows = getInt(ds, DCM_Rows, 0);
  info_.columns = getInt(ds, DCM_Columns, 0);

  if (!ds.tagExists(DCM_NumberOfFrames)) {
    const std::size_t bits = static_cast<std::size_t>(info_.rows) * static_cast<std::size_t>(info_.columns) * (fractional_ ? 8 : 1);
    const unsigned long inferred = framesInPixelData(ds, bits);
    if (inferred == 0) throw inputError(name_, "DICOM SEG without Number of Frames nor a whole frame of pixel data");
    ds.putAndInsertOFStringArray(DCM_NumberOfFrames, std::to_string(inferred).c_str());
    info_.notes.push_back(name_ + ": Number of Frames is missing: read as " + std::to_string(inferred) +
                          ", the frames its pixel data holds");
  }
  const auto frames = static_cast<unsigned long>(getInt(ds, DCM_NumberOfFrames, 0));
  DcmSequenceOfItems* perFrame = nullptr;
  const unsigned long items = ds.findAndGetSequence(DCM_PerFrameFunctionalGroupsSequence, perFrame).good() && perFrame ? perFrame->card() : 0;
  if (items < frames)
    throw inputError(name_, "DICOM SEG has " + std::to_string(frames) + " frames but per-frame functional groups for " +
                                std::to_string(items));
  if (items > frames)
    info_.notes.push_back(name_ + ": " + std::to_string(items - frames) + " per-frame functional group items beyond its " +
                          std::to_string(frames) + " frames are ignored");

  DcmSegmentation* document = nullptr;
  const OFCondition read = DcmSegmentation::loadDataset(ds, document);
  document_.reset(document);
  if (read.bad() || !document_) throw inputError(name_, std::string("not a readable DICOM SEG (") + read.text() + ")");

  const std::size_t pixels = static_cast<std::size_t>(info_.rows) * static_cast<std::size_t>(info_.columns);
  const Uint8* stored = nullptr;
  unsigned long length = 0;
  const std::size_t needed = fractional_ ? frames * pixels : (frames * pixels + 7) / 8;
  if (ds.findAndGetUint8Array(DCM_PixelData, stored, &length).bad() || !stored || length < needed)
    throw inputError(name_, "pixel data holds less than the " + std::to_string(frames) + " frames of the header");
  pixelData_.assign(stored, stored + needed);

  // DCMTK takes the n-th segment as number n, as DICOM requires them numbered: a file that does not is refused.
  for (std::size_t n = 1; n <= document_->getNumberOfSegments(); ++n) {
    DcmItem* item = nullptr;
    if (ds.findAndGetSequenceItem(DCM_SegmentSequence, item, static_cast<signed long>(n - 1)).bad() || !item ||
        getInt(*item, DCM_SegmentNumber, 0) != static_cast<int>(n))
      throw inputError(name_, "segment " + std::to_string(n) + " of the Segment Sequence is not numbered " + std::to_string(n) +
                                  " (DICOM numbers segments 1, 2, ...)");
    info_.segments.push_back(segmentInfo(*document_->getSegment(n), static_cast<int>(n)));
  }
  for (unsigned long f = 0; f < frames; ++f) {
    DcmItem* id = functionalGroup(ds, DCM_SegmentIdentificationSequence, f);
    const int segment = id ? getInt(*id, DCM_ReferencedSegmentNumber, 0) : 0;
    if (segment < 1 || static_cast<std::size_t>(segment) > info_.segments.size())
      throw inputError(name_, "frame " + std::to_string(f + 1) + " names segment " + std::to_string(segment) + " of " +
                                  std::to_string(info_.segments.size()));
    DicomSegFrame frame;
    frame.segment = segment;
    if (const auto p = fixed<3>(functionalGroup(ds, DCM_PlanePositionSequence, f), DCM_ImagePositionPatient))
      frame.position = Vec3{(*p)[0], (*p)[1], (*p)[2]};
    frame.sourceInstanceUid = sourceInstanceOf(ds, f);
    info_.frames.push_back(frame);
    planes_.push_back({fixed<6>(functionalGroup(ds, DCM_PlaneOrientationSequence, f), DCM_ImageOrientationPatient),
                       fixed<2>(functionalGroup(ds, DCM_PixelMeasuresSequence, f), DCM_PixelSpacing)});
  }
  info_.seriesUid = getString(ds, DCM_SeriesInstanceUID);
  info_.frameOfReferenceUid = getString(ds, DCM_FrameOfReferenceUID);
  referencedSeries_ = referencedSeriesOf(ds);
  if (!referencedSeries_.empty()) info_.referencedSeriesUid = referencedSeries_.front();
}

std::vector<uint8_t> SegFile::mask(std::size_t frame) const {
  const std::size_t pixels = static_cast<std::size_t>(info_.rows) * static_cast<std::size_t>(info_.columns);
  std::vector<uint8_t> out(pixels);
  if (!fractional_) {
    unpackFrame(pixelData_.data(), frame, pixels, out.data());
    return out;
  }
  const uint8_t* values = pixelData_.data() + frame * pixels;
  for (std::size_t i = 0; i < pixels; ++i) out[i] = 2u * values[i] >= maxFractional_;  // present where at least half
  return out;
}

}  // namespace krait::io::dicom
