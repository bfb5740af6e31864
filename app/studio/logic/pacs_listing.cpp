#include "pacs_listing.h"

#include <algorithm>
#include <cstdlib>
#include <regex>

#include "krait/base/error.h"

namespace krait::studio {
namespace {

std::string field(const io::QueryMatch& match, const std::string& keyword) {
  const auto it = match.find(keyword);
  return it != match.end() ? it->second : "";
}

// DICOM's PN "DOE^JOHN^^DR" as a person reads it.
std::string personName(std::string name) {
  std::replace(name.begin(), name.end(), '^', ' ');
  name.erase(std::unique(name.begin(), name.end(), [](char a, char b) { return a == ' ' && b == ' '; }), name.end());
  while (!name.empty() && name.back() == ' ') name.pop_back();
  return name;
}

std::string isoDate(const std::string& da) {
  if (da.size() != 8) return da;
  return da.substr(0, 4) + "-" + da.substr(4, 2) + "-" + da.substr(6, 2);
}

}  // namespace

std::string nodeSummary(const io::PacsNode& node) {
  return "AE title " + node.aeTitle + " · " + node.host + ":" + std::to_string(node.port) + " · " +
         (node.retrieve == "move" ? "C-MOVE" : "C-GET") + (node.tls ? " · TLS" : "");
}

io::QueryMatch studyKeys(const StudyFilter& filter) {
  static const std::regex dateRange(R"((\d{8})?(-(\d{8})?)?)");
  if (!std::regex_match(filter.date, dateRange))
    throw Error(ErrorKind::Usage, "study date \"" + filter.date + "\" is not YYYYMMDD or a range YYYYMMDD-YYYYMMDD");
  io::QueryMatch keys;
  if (!filter.patientId.empty()) keys["PatientID"] = filter.patientId;
  if (!filter.patientName.empty())
    keys["PatientName"] = filter.patientName.find_first_of("*?") == std::string::npos ? filter.patientName + "*" : filter.patientName;
  if (!filter.date.empty()) keys["StudyDate"] = filter.date;
  return keys;
}

std::vector<std::string> pacsStudyColumns() { return {"Patient", "Patient ID", "Date", "Description", "Modalities", "Series"}; }
std::vector<std::string> pacsSeriesColumns() { return {"Number", "Modality", "Description", "Body part", "Images"}; }

std::vector<PacsRow> pacsStudyRows(std::vector<io::QueryMatch> matches) {
  std::stable_sort(matches.begin(), matches.end(), [](const io::QueryMatch& a, const io::QueryMatch& b) {
    return field(a, "StudyDate") + field(a, "StudyTime") > field(b, "StudyDate") + field(b, "StudyTime");
  });
  std::vector<PacsRow> rows;
  for (const io::QueryMatch& m : matches)
    rows.push_back({field(m, "StudyInstanceUID"),
                    {personName(field(m, "PatientName")), field(m, "PatientID"), isoDate(field(m, "StudyDate")),
                     field(m, "StudyDescription"), field(m, "ModalitiesInStudy"), field(m, "NumberOfStudyRelatedSeries")}});
  return rows;
}

std::vector<PacsRow> pacsSeriesRows(std::vector<io::QueryMatch> matches) {
  const auto number = [](const io::QueryMatch& m) { return std::atol(field(m, "SeriesNumber").c_str()); };
  std::stable_sort(matches.begin(), matches.end(), [&](const io::QueryMatch& a, const io::QueryMatch& b) { return number(a) < number(b); });
  std::vector<PacsRow> rows;
  for (const io::QueryMatch& m : matches)
    rows.push_back({field(m, "SeriesInstanceUID"),
                    {field(m, "SeriesNumber"), field(m, "Modality"), field(m, "SeriesDescription"), field(m, "BodyPartExamined"),
                     field(m, "NumberOfSeriesRelatedInstances")}});
  return rows;
}

std::filesystem::path retrievedSeriesFolder(const std::string& seriesUid) {
  static const std::regex uid(R"(\d+(\.\d+)*)");
  if (seriesUid.size() > 64 || !std::regex_match(seriesUid, uid))
    throw Error(ErrorKind::Input, "the node gave \"" + seriesUid + "\" as a series UID, which is not one");
  std::filesystem::path cache;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) cache = xdg;
  else cache = std::filesystem::path(std::getenv("HOME") ? std::getenv("HOME") : ".") / ".cache";
  return cache / "krait" / "pacs" / seriesUid;
}

}  // namespace krait::studio
