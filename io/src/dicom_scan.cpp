// Finding DICOM series: read each candidate file's header only (pixel data is skipped), group by series.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdicdir.h>
#include <dcmtk/dcmdata/dctk.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "dicom_codecs.h"
#include "dicom_tags.h"
#include "krait/base/error.h"
#include "krait/io/dicom.h"

namespace fs = std::filesystem;

namespace krait::io {

namespace {

// Elements longer than this are not read during the scan, so scanning never loads pixel data.
constexpr Uint32 kHeaderReadLimit = 512;

struct FileHeader {
  std::string seriesUid, studyUid, modality, description, seriesNumber, transferSyntax;
  int rows = 0, columns = 0;
  int64_t frames = 0;
  bool hasPixels = false;
};

bool gzipped(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char magic[2] = {};
  return in.read(magic, 2) && static_cast<unsigned char>(magic[0]) == 0x1f && static_cast<unsigned char>(magic[1]) == 0x8b;
}

std::optional<FileHeader> readHeader(const fs::path& file, std::string& why) {
  DcmFileFormat ff;
  const OFCondition c = ff.loadFile(file.c_str(), EXS_Unknown, EGL_noChange, kHeaderReadLimit, ERM_autoDetect);
  if (c.bad()) {
    why = gzipped(file) ? "gzip-compressed: decompress it first (gunzip), DICOM files are read as they are"
                        : std::string("not readable as DICOM (") + c.text() + ")";
    return std::nullopt;
  }
  DcmDataset& ds = *ff.getDataset();
  FileHeader h;
  h.seriesUid = dicom::getString(ds, DCM_SeriesInstanceUID);
  h.studyUid = dicom::getString(ds, DCM_StudyInstanceUID);
  if (h.seriesUid.empty() && h.studyUid.empty() && dicom::getString(ds, DCM_SOPInstanceUID).empty()) {
    why = "not a DICOM object (no study, series or instance UID)";
    return std::nullopt;
  }
  h.modality = dicom::getString(ds, DCM_Modality);
  h.description = dicom::getString(ds, DCM_SeriesDescription);
  h.seriesNumber = dicom::getString(ds, DCM_SeriesNumber);
  h.rows = dicom::getInt(ds, DCM_Rows, 0);
  h.columns = dicom::getInt(ds, DCM_Columns, 0);
  h.hasPixels = ds.tagExists(DCM_PixelData) || ds.tagExists(DCM_FloatPixelData) || ds.tagExists(DCM_DoubleFloatPixelData);
  h.frames = h.hasPixels ? std::max(1, dicom::getInt(ds, DCM_NumberOfFrames, 1)) : 0;
  h.transferSyntax = DcmXfer(ds.getOriginalXfer()).getXferName();
  return h;
}

// Files named by a DICOMDIR, resolved against its folder.
std::vector<fs::path> filesOfDicomDir(const fs::path& dicomdir) {
  DcmDicomDir dir(dicomdir.c_str());
  if (dir.error().bad()) throw inputError(dicomdir.string(), std::string("cannot read DICOMDIR: ") + dir.error().text());
  std::vector<fs::path> files;
  std::vector<DcmDirectoryRecord*> stack{&dir.getRootRecord()};
  while (!stack.empty()) {
    DcmDirectoryRecord* r = stack.back();
    stack.pop_back();
    OFString id;
    if (r->findAndGetOFStringArray(DCM_ReferencedFileID, id).good() && !id.empty()) {
      fs::path p = dicomdir.parent_path();
      std::string part;
      for (char ch : std::string(id.c_str()) + "\\") {
        if (ch == '\\') {
          if (!part.empty()) p /= part;
          part.clear();
        } else if (ch != ' ') {
          part += ch;
        }
      }
      files.push_back(p);
    }
    for (unsigned long i = 0; i < r->cardSub(); ++i) stack.push_back(r->getSub(i));
  }
  return files;
}

bool isDicomDirName(const fs::path& p) { return p.filename() == "DICOMDIR" || p.filename() == "dicomdir"; }

std::vector<fs::path> candidateFiles(const fs::path& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return isDicomDirName(path) ? filesOfDicomDir(path) : std::vector<fs::path>{path};
  for (const char* name : {"DICOMDIR", "dicomdir"})
    if (fs::is_regular_file(path / name, ec)) return filesOfDicomDir(path / name);
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec)) files.push_back(it->path());
  if (ec) throw inputError(path.string(), "cannot list folder: " + ec.message());
  return files;
}

}  // namespace

DicomScan scanDicom(const fs::path& path) {
  dicom::registerCodecs();
  std::error_code ec;
  if (!fs::exists(path, ec)) throw inputError(path.string(), "no such file or folder");
  std::vector<fs::path> files = candidateFiles(path);
  std::sort(files.begin(), files.end());
  if (files.empty()) throw inputError(path.string(), "folder is empty: no DICOM files found");

  DicomScan scan;
  std::map<std::string, DicomSeries> bySeries;
  std::string why;
  for (const auto& f : files) {
    const auto h = readHeader(f, why);
    if (!h) {
      scan.skipped.push_back(f.string() + ": " + why);
      continue;
    }
    DicomSeries& s = bySeries[h->seriesUid];
    if (s.files.empty()) {
      s.seriesUid = h->seriesUid;
      s.studyUid = h->studyUid;
      s.modality = h->modality;
      s.description = h->description;
      s.seriesNumber = h->seriesNumber;
      s.transferSyntax = h->transferSyntax;
      s.rows = h->rows;
      s.columns = h->columns;
    }
    s.hasPixels = s.hasPixels || h->hasPixels;
    s.frames += h->frames;
    s.files.push_back(f);
  }
  if (bySeries.empty()) {
    // A single file that is not DICOM: say why in its own words.
    throw inputError(path.string(), files.size() == 1 ? why : "no DICOM files found");
  }
  for (auto& [uid, s] : bySeries) scan.series.push_back(std::move(s));
  std::sort(scan.series.begin(), scan.series.end(), [](const DicomSeries& a, const DicomSeries& b) {
    const int na = std::atoi(a.seriesNumber.c_str()), nb = std::atoi(b.seriesNumber.c_str());
    return na != nb ? na < nb : a.seriesUid < b.seriesUid;
  });
  return scan;
}

void showDicomMessages(bool show) { dicom::showDcmtkMessages(show); }

const DicomSeries& selectSeries(const DicomScan& scan, const std::string& uid, const fs::path& where) {
  std::string all, withImages;
  std::vector<const DicomSeries*> images;
  for (const auto& s : scan.series) {
    if (!uid.empty() && s.seriesUid == uid) return s;
    const std::string line = "\n  " + s.seriesUid + "  " + s.modality + "  " + std::to_string(s.frames) + " images  \"" +
                             s.description + "\"";
    all += line;
    if (s.hasPixels) {
      images.push_back(&s);
      withImages += line;
    }
  }
  if (!uid.empty()) throw inputError(where.string(), "no series with UID " + uid + "; series found:" + all);
  if (images.size() == 1) return *images[0];
  if (images.empty())
    throw inputError(where.string(), "has no pixel data: no image series (structured report, RTSTRUCT or waveform?)");
  throw inputError(where.string(), std::to_string(images.size()) + " image series; choose one with --series UID:" + withImages);
}

}  // namespace krait::io
