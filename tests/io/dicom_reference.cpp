#include "dicom_reference.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace krait::test {

namespace {

std::vector<double> numbers(DcmItem& item, const DcmTagKey& tag) {
  std::vector<double> out;
  for (unsigned long i = 0;; ++i) {
    Float64 v;
    if (item.findAndGetFloat64(tag, v, i).bad()) break;
    out.push_back(v);
  }
  return out;
}

// Enhanced objects (SEG, enhanced MR) keep geometry in functional groups; frame 1's or the shared one.
std::vector<double> groupNumbers(DcmItem& ds, const DcmTagKey& macro, const DcmTagKey& tag) {
  for (const DcmTagKey& groups : {DCM_PerFrameFunctionalGroupsSequence, DCM_SharedFunctionalGroupsSequence}) {
    DcmItem* group = nullptr;
    DcmItem* item = nullptr;
    if (ds.findAndGetSequenceItem(groups, group, 0).good() && group &&
        group->findAndGetSequenceItem(macro, item, 0).good() && item) {
      const auto v = numbers(*item, tag);
      if (!v.empty()) return v;
    }
  }
  return {};
}

std::vector<double> attribute(DcmItem& ds, const DcmTagKey& macro, const DcmTagKey& tag) {
  const auto v = numbers(ds, tag);
  return v.empty() ? groupNumbers(ds, macro, tag) : v;
}

DcmFileFormat load(const std::filesystem::path& file) {
  DcmFileFormat ff;
  if (ff.loadFile(file.c_str()).bad()) throw std::runtime_error("DCMTK cannot read " + file.string());
  return ff;
}

}  // namespace

DicomReference readDicomReference(const std::filesystem::path& file) {
  DcmFileFormat ff = load(file);
  DcmDataset& ds = *ff.getDataset();
  DicomReference ref;
  Uint16 rows = 0, cols = 0;
  ds.findAndGetUint16(DCM_Rows, rows);
  ds.findAndGetUint16(DCM_Columns, cols);
  Sint32 frames = 1;
  ds.findAndGetSint32(DCM_NumberOfFrames, frames);
  ref.geometry.size = {cols, rows, std::max<Sint32>(frames, 1)};
  const auto iop = attribute(ds, DCM_PlaneOrientationSequence, DCM_ImageOrientationPatient);
  const auto ipp = attribute(ds, DCM_PlanePositionSequence, DCM_ImagePositionPatient);
  const auto ps = attribute(ds, DCM_PixelMeasuresSequence, DCM_PixelSpacing);
  ref.hasPatientGeometry = iop.size() == 6 && ipp.size() == 3;
  if (ref.hasPatientGeometry) {
    for (int r = 0; r < 3; ++r) {
      ref.geometry.direction[r][0] = iop[static_cast<std::size_t>(r)];
      ref.geometry.direction[r][1] = iop[static_cast<std::size_t>(r) + 3];
      ref.geometry.origin[r] = ipp[static_cast<std::size_t>(r)];
    }
    const auto& d = ref.geometry.direction;
    ref.geometry.direction[0][2] = d[1][0] * d[2][1] - d[2][0] * d[1][1];
    ref.geometry.direction[1][2] = d[2][0] * d[0][1] - d[0][0] * d[2][1];
    ref.geometry.direction[2][2] = d[0][0] * d[1][1] - d[1][0] * d[0][1];
  }
  if (ps.size() == 2) ref.geometry.spacing = {ps[1], ps[0], ref.geometry.spacing[2]};
  Float64 v;
  if (ds.findAndGetFloat64(DCM_RescaleSlope, v).good()) ref.slope = v;
  if (ds.findAndGetFloat64(DCM_RescaleIntercept, v).good()) ref.intercept = v;
  return ref;
}

std::vector<double> readNativeValues(const std::filesystem::path& file) {
  DcmFileFormat ff = load(file);
  DcmDataset& ds = *ff.getDataset();
  const DicomReference ref = readDicomReference(file);
  Uint16 bits = 0, pixelRep = 0;
  ds.findAndGetUint16(DCM_BitsAllocated, bits);
  ds.findAndGetUint16(DCM_PixelRepresentation, pixelRep);
  std::vector<double> out;
  if (bits == 16) {
    const Uint16* p = nullptr;
    unsigned long n = 0;
    if (ds.findAndGetUint16Array(DCM_PixelData, p, &n).bad()) throw std::runtime_error("no native 16-bit pixels");
    for (unsigned long i = 0; i < n; ++i)
      out.push_back((pixelRep ? static_cast<double>(static_cast<Sint16>(p[i])) : p[i]) * ref.slope + ref.intercept);
  } else {
    const Uint8* p = nullptr;
    unsigned long n = 0;
    if (ds.findAndGetUint8Array(DCM_PixelData, p, &n).bad()) throw std::runtime_error("no native 8-bit pixels");
    for (unsigned long i = 0; i < n; ++i) out.push_back(p[i] * ref.slope + ref.intercept);
  }
  return out;
}

void setPosition(const std::filesystem::path& file, const Vec3& p) {
  DcmFileFormat ff = load(file);
  ff.loadAllDataIntoMemory();  // large elements are otherwise read lazily from the file being overwritten
  std::ostringstream s;
  s.precision(10);
  s << p[0] << "\\" << p[1] << "\\" << p[2];
  ff.getDataset()->putAndInsertString(DCM_ImagePositionPatient, s.str().c_str());
  if (ff.saveFile(file.c_str(), ff.getDataset()->getOriginalXfer()).bad())
    throw std::runtime_error("cannot save " + file.string());
}

Vec3 position(const std::filesystem::path& file) {
  DcmFileFormat ff = load(file);
  const auto ipp = numbers(*ff.getDataset(), DCM_ImagePositionPatient);
  if (ipp.size() != 3) throw std::runtime_error("no ImagePositionPatient in " + file.string());
  return {ipp[0], ipp[1], ipp[2]};
}

}  // namespace krait::test
