#include "dicom_seg_document.h"

#include <dcmtk/dcmfg/fgderimg.h>
#include <dcmtk/dcmfg/fgfracon.h>
#include <dcmtk/dcmfg/fgpixmsr.h>
#include <dcmtk/dcmfg/fgplanor.h>
#include <dcmtk/dcmfg/fgplanpo.h>
#include <dcmtk/dcmiod/iodreferences.h>
#include <dcmtk/dcmseg/segment.h>

#include <cstdio>

#include "dicom_seg_bits.h"
#include "dicom_seg_colour.h"
#include "dicom_seg_uids.h"
#include "dicom_tags.h"
#include "krait/base/error.h"

namespace krait::io::dicom {

namespace {

// A decimal string (DS holds at most 16 characters): 10 significant digits keep 0.1 micrometre at 1 m.
OFString ds(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v == 0.0 ? 0.0 : v);  // no "-0"
  return buf;
}

// Values were checked before they got here: a failure is Krait's or DCMTK's. Text that may be UTF-8 is set
// with DCMTK's own check off (`unchecked`): it checks against ASCII whatever the Specific Character Set, and
// dicom_seg_write.cpp has checked length and backslashes.
constexpr OFBool unchecked = OFFalse;

void check(const OFCondition& c, const std::string& what) {
  if (c.bad()) throw Error(ErrorKind::Internal, "DICOM SEG: " + what + ": " + c.text());
}

CodeSequenceMacro macro(const CodedConcept& c) { return CodeSequenceMacro(c.value.c_str(), c.scheme.c_str(), c.meaning.c_str()); }

OFString orUnknown(const std::string& value) { return value.empty() ? "unknown" : value.c_str(); }

}  // namespace

SegDocument::SegDocument(const SourceSeries& source, const DicomSeries& series, const SegWriteOptions& options,
                         const std::string& uidRoot, std::size_t frames)
    : source_(source),
      series_(series),
      options_(options),
      packed_(packedBytes(frames, static_cast<std::size_t>(source.grid.size[0] * source.grid.size[1]))) {
  // Device Serial Number is required (Enhanced General Equipment); software has none, and "1" is what other
  // segmentation tools write.
  const IODGeneralEquipmentModule::EquipmentInfo krait("Krait", "Krait", "1", orUnknown(options.softwareVersion));
  const ContentIdentificationMacro content("1", "SEGMENTATION", "", "");
  DcmSegmentation* created = nullptr;
  check(DcmSegmentation::createBinarySegmentation(created, static_cast<Uint16>(source.grid.size[1]),
                                                  static_cast<Uint16>(source.grid.size[0]), krait, content),
        "creating the segmentation");
  seg_.reset(created);
  // The SEG is written in UTF-8 (segment names may need it): the source's names convert with its header.
  DcmDataset& header = *source.firstHeader->getDataset();
  if (header.convertToUTF8().bad())
    throw inputError(source.name, "its character set (" + getString(header, DCM_SpecificCharacterSet) + ") cannot be converted to UTF-8");
  // Patient, study and frame of reference from the source. DCMTK counts the scanner's General Equipment
  // (station, institution...) as study level and copies it too: cleared, the equipment is Krait alone.
  check(seg_->importFromSourceImage(header), "copying patient and study");
  seg_->getEquipment().clearData();
  check(seg_->setEquipmentInfo(krait, unchecked), "setting the equipment");
  check(seg_->getSeries().setSeriesInstanceUID(newUid(uidRoot).c_str()), "series UID");
  check(seg_->getSOPCommon().setSOPInstanceUID(newUid(uidRoot).c_str()), "instance UID");
  check(seg_->getSeries().setSeriesNumber(std::to_string(options.seriesNumber).c_str()), "series number");
  check(seg_->getSeries().setSeriesDescription(options.seriesDescription.c_str(), unchecked), "series description");
  check(seg_->getContentIdentification().setContentDescription(options.seriesDescription.c_str(), unchecked),
        "content description");

  const Geometry& g = source.grid;
  FGPixelMeasures measures;
  check(measures.setPixelSpacing(ds(g.spacing[1]) + "\\" + ds(g.spacing[0])), "pixel spacing");  // rows, then columns
  check(measures.setSliceThickness(ds(source.sliceThickness.value_or(g.spacing[2]))), "slice thickness");
  check(measures.setSpacingBetweenSlices(ds(g.spacing[2])), "slice spacing");
  check(seg_->addForAllFrames(measures), "pixel measures");
  FGPlaneOrientationPatient orientation;
  check(orientation.setImageOrientationPatient(ds(g.direction[0][0]), ds(g.direction[1][0]), ds(g.direction[2][0]),
                                               ds(g.direction[0][1]), ds(g.direction[1][1]), ds(g.direction[2][1])),
        "orientation");
  check(seg_->addForAllFrames(orientation), "orientation");

  // Frames are indexed by segment, then by position along the stack.
  const OFString organisation = newUid(uidRoot).c_str();
  IODMultiframeDimensionModule& dims = seg_->getDimensions();
  check(dims.addDimensionIndex(DCM_ReferencedSegmentNumber, organisation, DCM_SegmentIdentificationSequence,
                               "ReferencedSegmentNumber"),
        "segment dimension");
  check(dims.addDimensionIndex(DCM_ImagePositionPatient, organisation, DCM_PlanePositionSequence, "ImagePositionPatient"),
        "position dimension");
  auto item = std::make_unique<IODMultiframeDimensionModule::DimensionOrganizationItem>();
  check(item->setDimensionOrganizationUID(organisation), "dimension organisation");
  dims.getDimensionOrganizationSequence().push_back(item.release());
}

void SegDocument::addSegment(const SegmentInfo& info) {
  SegmentTerminology::Terms terms = options_.terminology.lookup(info.name);
  if (info.category) terms.category = *info.category;
  if (info.type) terms.type = *info.type;
  const bool manual = options_.algorithmType == SegAlgorithmType::Manual;
  const DcmSegTypes::E_SegmentAlgoType type = manual ? DcmSegTypes::SAT_MANUAL
                                              : options_.algorithmType == SegAlgorithmType::SemiAutomatic ? DcmSegTypes::SAT_SEMIAUTOMATIC
                                                                                                          : DcmSegTypes::SAT_AUTOMATIC;
  DcmSegment* created = nullptr;
  // Placeholders, replaced by the (checked) text: DCMTK's create() checks them as ASCII.
  check(DcmSegment::create(created, "segment", macro(terms.category), macro(terms.type), type, manual ? "" : "algorithm"),
        "segment \"" + info.name + "\"");
  std::unique_ptr<DcmSegment> segment(created);
  check(segment->setSegmentLabel(info.name.c_str(), unchecked), "segment label");
  if (!terms.known && !(info.category && info.type))
    check(segment->setSegmentDescription(("no code for \"" + info.name + "\" in Krait's terminology table: coded as Tissue").c_str(),
                                         unchecked),
          "segment description");
  const auto lab = rgbToDicomLab(info.rgb);
  check(segment->setRecommendedDisplayCIELabValue(lab[0], lab[1], lab[2]), "segment colour");
  // Name and identification are required for the other types and absent from a manual segment (PS3.3 C.8.20.4).
  if (!manual) {
    check(segment->setSegmentAlgorithm(type, options_.algorithmName.c_str(), unchecked), "algorithm");
    AlgorithmIdentificationMacro& algorithm = segment->getSegmentationAlgorithmIdentification();
    check(algorithm.getAlgorithmFamilyCode().set("123110", "DCM", "Artificial Intelligence"), "algorithm family");
    check(algorithm.setAlgorithmName(options_.algorithmName.c_str(), unchecked), "algorithm name");
    check(algorithm.setAlgorithmVersion(orUnknown(options_.algorithmVersion), unchecked), "algorithm version");
  }
  Uint16 number = 0;
  check(seg_->addSegment(segment.get(), number), "segment \"" + info.name + "\"");
  segment.release();  // the document owns it now
}

void SegDocument::addFrame(int segment, int64_t slice, const uint8_t* mask) {
  const SourceSlice& image = source_.slices[static_cast<std::size_t>(slice)];
  std::unique_ptr<FGPlanePosPatient> position(
      FGPlanePosPatient::createMinimal(ds(image.position[0]), ds(image.position[1]), ds(image.position[2])));
  FGFrameContent content;
  check(content.setDimensionIndexValues(static_cast<Uint32>(segment), 0), "frame index");
  check(content.setDimensionIndexValues(static_cast<Uint32>(slice + 1), 1), "frame index");
  ImageSOPInstanceReferenceMacro reference;
  check(reference.setReferencedSOPClassUID(image.sopClassUid.c_str()), "source image class");
  check(reference.setReferencedSOPInstanceUID(image.sopInstanceUid.c_str()), "source image UID");
  if (image.multiFrame) check(reference.setReferencedFrameNumber({static_cast<Uint16>(image.frame + 1)}), "source frame");
  std::unique_ptr<FGDerivationImage> derivation(DcmSegmentation::createDerivationImageFG({reference}, ""));
  if (!position || !derivation) throw Error(ErrorKind::Internal, "DICOM SEG: cannot create the frame's functional groups");
  // DCMTK takes (and only reads) the pixels too, and packs them its own way; packed_ holds what is written.
  check(seg_->addFrame(const_cast<Uint8*>(mask), static_cast<Uint16>(segment), {position.get(), &content, derivation.get()}),
        "adding a frame");
  const std::size_t pixels = static_cast<std::size_t>(source_.grid.size[0] * source_.grid.size[1]);
  packFrame(packed_, frames_++, pixels, mask);
  referenced_.insert(image.sopInstanceUid);
}

void SegDocument::save(const std::filesystem::path& path, const std::string& name) {
  // Common Instance Reference: the images the frames were drawn on.
  IODReferences references;
  for (const SourceSlice& s : source_.slices) {
    if (!referenced_.count(s.sopInstanceUid)) continue;
    auto* r = new IODReference(IODReference::LEVEL_STUDY);
    r->m_StudyInstanceUID = series_.studyUid.c_str();
    r->m_SeriesInstanceUID = series_.seriesUid.c_str();
    r->m_SOPClassUID = s.sopClassUid.c_str();
    r->m_SOPInstanceUID = s.sopInstanceUid.c_str();
    if (!references.add(r)) throw Error(ErrorKind::Internal, "DICOM SEG: invalid reference to " + s.sopInstanceUid);
  }
  seg_->getCommonInstanceReference().addReferences(references, series_.studyUid.c_str());

  DcmFileFormat file;
  DcmDataset& dataset = *file.getDataset();
  // DCMTK checks each text element as it inserts it, against the character set of the dataset it lands in,
  // and writes Specific Character Set itself only last: present from the start, UTF-8 text passes.
  check(dataset.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192"), "character set");
  check(seg_->writeDataset(dataset), "assembling the DICOM SEG");
  check(dataset.putAndInsertUint8Array(DCM_PixelData, packed_.data(), static_cast<unsigned long>(packed_.size())), "pixel data");

  // The scanner the source images came from, which General Equipment (now Krait) no longer names.
  DcmItem& header = *source_.firstHeader->getDataset();
  if (!getString(header, DCM_Manufacturer).empty()) {
    DcmItem* item = nullptr;
    check(dataset.findOrCreateSequenceItem(DCM_ContributingEquipmentSequence, item, 0), "contributing equipment");
    for (const DcmTagKey& tag : {DCM_Manufacturer, DCM_InstitutionName, DCM_StationName, DCM_ManufacturerModelName,
                                 DCM_DeviceSerialNumber, DCM_SoftwareVersions})
      if (const std::string v = getString(header, tag); !v.empty())
        check(item->putAndInsertOFStringArray(tag, v.c_str()), "contributing equipment");
    DcmItem* purpose = nullptr;
    check(item->findOrCreateSequenceItem(DCM_PurposeOfReferenceCodeSequence, purpose, 0), "contributing equipment");
    check(CodeSequenceMacro("109101", "DCM", "Acquisition Equipment").write(*purpose), "contributing equipment");
  }
  const OFCondition saved = file.saveFile(path.c_str(), EXS_LittleEndianExplicit);
  if (saved.bad()) throw outputError(name, std::string("cannot write: ") + saved.text());
}

}  // namespace krait::io::dicom
