#pragma once
// What the PACS browser asks a node and shows of its answers: a node's address in words, the study query from
// the filters a person types, the rows of the study and series tables, and the cache folder a retrieved
// series goes to.
#include <filesystem>
#include <string>
#include <vector>

#include "krait/io/pacs.h"

namespace krait::studio {

// "AE title ORTHANC · 127.0.0.1:4242 · C-GET", with " · TLS" for a TLS node.
std::string nodeSummary(const io::PacsNode& node);

struct StudyFilter {
  std::string patientId;    // as typed: DICOM wildcards * and ?
  std::string patientName;  // a prefix: "doe" finds DOE^JOHN (a trailing * is added unless it has a wildcard)
  std::string date;         // YYYYMMDD, or a range YYYYMMDD-YYYYMMDD with either end open
};

// C-FIND keys at study level; empty fields match everything. Throws Error(Usage) for a malformed date.
io::QueryMatch studyKeys(const StudyFilter& filter);

struct PacsRow {
  std::string uid;                 // StudyInstanceUID or SeriesInstanceUID
  std::vector<std::string> cells;  // in the order of pacsStudyColumns() / pacsSeriesColumns()
};

std::vector<std::string> pacsStudyColumns();  // Patient, Patient ID, Date, Description, Modalities, Series
std::vector<std::string> pacsSeriesColumns();  // Number, Modality, Description, Body part, Images
// Studies newest first; series by number. Names read "DOE JOHN", dates "2024-01-31".
std::vector<PacsRow> pacsStudyRows(std::vector<io::QueryMatch> matches);
std::vector<PacsRow> pacsSeriesRows(std::vector<io::QueryMatch> matches);

// $XDG_CACHE_HOME/krait/pacs/<seriesUid> (~/.cache/...). Throws Error(Input) for anything but a UID (numbers
// joined by dots), so that a node's answer never names a folder outside the cache.
std::filesystem::path retrievedSeriesFolder(const std::string& seriesUid);

}  // namespace krait::studio
