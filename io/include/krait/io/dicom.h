#pragma once
// DICOM through DCMTK: find the series in a folder (or a DICOMDIR), and assemble one series into a volume
// with its true geometry. docs/dicom.md states the rules (slice order, spacing, tilt, what is refused).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "krait/base/volume.h"

namespace krait::io {

struct DicomSeries {
  std::string seriesUid;
  std::string studyUid;
  std::string modality;
  std::string description;   // SeriesDescription
  std::string seriesNumber;
  std::string transferSyntax;  // name of the first file's transfer syntax
  int rows = 0;
  int columns = 0;
  int64_t frames = 0;        // images in the series: files x NumberOfFrames
  bool hasPixels = false;    // false for SR, RTSTRUCT, waveforms...
  std::vector<std::filesystem::path> files;  // sorted by path
};

struct DicomScan {
  std::vector<DicomSeries> series;     // sorted by series number, then UID
  std::vector<std::string> skipped;    // "<file>: reason" for files that are not readable DICOM
};

// DCMTK's own messages (warnings about tolerated oddities, parse errors of files that are not DICOM) on stderr;
// off by default: Krait's errors say what matters. `--verbose` turns them on.
void showDicomMessages(bool show);

// Scans a DICOM file, a folder (recursively; a DICOMDIR at its top is used when present) or a DICOMDIR file.
// Throws Error(Input) if the path does not exist or holds no DICOM file at all.
DicomScan scanDicom(const std::filesystem::path& path);

// Picks the series with this UID, or the only series with pixels when uid is empty. Throws Error(Input)
// listing the series when the choice is ambiguous or the UID is unknown.
const DicomSeries& selectSeries(const DicomScan& scan, const std::string& uid, const std::filesystem::path& where);

// What to do with a series whose slices are not a regular grid (uneven spacing, missing slices, gantry tilt).
enum class IrregularSlices {
  Resample,  // resample to a regular grid along the slice normal, and say so in the notes (default)
  Refuse,    // throw Error(Input) explaining what is irregular
};

struct DicomLoadOptions {
  IrregularSlices irregular = IrregularSlices::Resample;
};

// Loads one series as a volume: decoded pixels (all transfer syntaxes DCMTK or OpenJPEG decode), modality
// rescale applied, slices sorted along the normal, geometry in LPS. Notes for the user go to *notes.
Volume loadDicomSeries(const DicomSeries& series, const DicomLoadOptions& options = {},
                       std::vector<std::string>* notes = nullptr);

}  // namespace krait::io
