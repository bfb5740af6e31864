#pragma once
// DICOM Segmentation (SEG) objects through DCMTK's dcmseg: a label map written as a binary SEG that references
// the series it was made from, and a SEG read back onto that series as a label map. DICOM numbers segments
// 1, 2, ... : they follow the labels in order, so labels 1..n come back as themselves and any other labels as
// their segment numbers. Label 0 (background) is never a segment: in a SEG it is the absence of every segment.
#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "krait/base/volume.h"
#include "krait/io/dicom.h"

namespace krait::io {

// One coded concept: Code Value, Coding Scheme Designator ("SCT" for SNOMED CT), Code Meaning.
struct CodedConcept {
  std::string value;
  std::string scheme;
  std::string meaning;
  bool operator==(const CodedConcept&) const = default;
};

struct SegmentInfo {
  int label = 0;                     // label value in the label map (1..65535)
  std::string name;                  // Segment Label
  std::array<uint8_t, 3> rgb{};      // recommended display colour (sRGB), stored as CIELab
  std::optional<CodedConcept> category{};  // Segmented Property Category; unset: the terminology table decides
  std::optional<CodedConcept> type{};      // Segmented Property Type; unset: the terminology table decides
};

// Label names to SNOMED CT category and type codes: resources/terminology/segment_terminology.json (its
// README names the sources). Names match ignoring case, and '_', '-' and runs of spaces count as one space.
class SegmentTerminology {
 public:
  struct Terms {
    CodedConcept category;
    CodedConcept type;
    bool known = false;  // false: `name` is not in the table and the Tissue fallback was given
  };

  // Throws Error(Input) naming the file when it cannot be read or is not a valid table.
  static SegmentTerminology load(const std::filesystem::path& json);
  // The table's terms for `name`, else category Tissue (SCT 85756007) and type Tissue (SCT 85756007).
  Terms lookup(const std::string& name) const;

 private:
  std::map<std::string, Terms> byName_;
};

// The table installed with Krait, <prefix>/share/krait/terminology/segment_terminology.json, found from the folder
// of the libkrait_io in use; else (a build tree) the source tree's. Throws Error(Input) when neither exists.
std::filesystem::path defaultTerminologyFile();

// Segment Algorithm Type: a model's output untouched, a model's output edited by hand, or drawn by hand.
enum class SegAlgorithmType { Automatic, SemiAutomatic, Manual };

// Text is UTF-8, at most 64 characters (DICOM's LO), without backslashes.
struct SegWriteOptions {
  SegAlgorithmType algorithmType = SegAlgorithmType::Automatic;
  // Segment Algorithm Name and version (not written for Manual, which names no algorithm): the model, for a
  // model's output.
  std::string algorithmName = "Krait";
  std::string algorithmVersion;         // its version (a checkpoint hash, a model version); "" is written as "unknown"
  std::string softwareVersion;          // Krait's version, for the equipment modules; "" is written as "unknown"
  std::string seriesDescription = "Segmentation";
  int seriesNumber = 300;
  // Root of the new UIDs (series, instance, dimension organisation): the organisation's registered root,
  // digits and dots, at most 40 characters so that generated UIDs fit in 64. "": DCMTK's site root.
  std::string uidRoot;
  SegmentTerminology terminology;  // empty: every segment without explicit codes gets the Tissue fallback
};

// Writes `labels`, an integer label map on the grid of `source` (as loadDicomSeries gives it), as a binary SEG:
// one segment per entry of `segments` (every nonzero label must have one), one frame per segment and slice
// that holds any of its voxels (empty frames are omitted), each frame referencing its source image. Patient,
// study and frame of reference come from the source; the series and instance are new; the scanner is named as
// contributing equipment, Krait as the equipment. The file appears whole or not at all. Throws Error(Input)
// naming the source when it cannot be read, lacks patient position and orientation, or is not a regular grid
// (a series loadDicomSeries resamples); Error(Output) naming `out` when the labels do not fit the source, a
// label has no segment, a text does not fit DICOM, or nothing can be written; Error(Usage) for a malformed UID
// root.
void writeDicomSeg(const Volume& labels, const DicomSeries& source, const std::vector<SegmentInfo>& segments,
                   const SegWriteOptions& options, const std::filesystem::path& out);

// What writeDicomSeg checks before it looks at any label, for a command to check before a long run so that the
// run cannot end unable to write its SEG: the source (its headers), the segments, the options and `out`'s folder.
// Throws as writeDicomSeg does. Returns the grid the labels must lie on (loadDicomSeries' grid of the source).
Geometry checkDicomSegOutput(const DicomSeries& source, const std::vector<SegmentInfo>& segments,
                             const SegWriteOptions& options, const std::filesystem::path& out);

// One frame of a SEG as the file states it.
struct DicomSegFrame {
  int segment = 0;                 // Referenced Segment Number
  std::optional<Vec3> position;    // Image Position (Patient) of the frame, LPS mm
  std::string sourceInstanceUid;   // the image it was derived from ("" when the file does not say)
};

// What a SEG says on its own, without the images it refers to.
struct DicomSegInfo {
  std::vector<SegmentInfo> segments;  // label = Segment Number
  std::string seriesUid;              // the SEG's own series
  std::string referencedSeriesUid;    // the series of the images segmented ("" when the file names none)
  std::string frameOfReferenceUid;
  int rows = 0;
  int columns = 0;
  std::vector<DicomSegFrame> frames;
  std::vector<std::string> notes;  // what was tolerated in the file, for the user
};

// Throws Error(Input) naming the file when it is not a readable binary or fractional DICOM SEG.
DicomSegInfo readDicomSegInfo(const std::filesystem::path& seg);

struct DicomSegRead {
  Volume labels;  // on the grid of the referenced series (loadDicomSeries' grid); voxel = segment number
  std::vector<SegmentInfo> segments;  // label = Segment Number
  std::string referencedSeriesUid;
  std::vector<std::string> notes;  // overlaps resolved, oddities tolerated
};

// Places the SEG's frames on `referenced`'s grid. A binary SEG may let segments overlap, a label map cannot:
// where they do, the higher segment number wins and a note says how many voxels were affected. Fractional
// frames count where they are at least half the maximum value. Throws Error(Input) naming the file for a
// non-SEG file, a SEG made from another series or frame of reference, and frames that do not lie on the
// series' slices.
DicomSegRead readDicomSeg(const std::filesystem::path& seg, const DicomSeries& referenced);

}  // namespace krait::io
