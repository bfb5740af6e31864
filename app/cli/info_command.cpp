#include <cstdint>
#include <iostream>

#include "arg_parser.h"
#include "commands.h"
#include "krait/base/error.h"
#include "segmentation_options.h"
#include "krait/io/volume_io.h"
#include "volume_report.h"

using nlohmann::json;
namespace fs = std::filesystem;

namespace krait::cli {

namespace {

json dicomReport(const fs::path& path, const ArgParser& args, const io::DicomLoadOptions& options, bool& failed) {
  const io::DicomScan scan = io::scanDicom(path);
  json report{{"path", path.string()}, {"format", "DICOM"}, {"series", json::array()}, {"volumes", json::array()}};
  for (const auto& s : scan.series) report["series"].push_back(describeSeries(s));
  if (!scan.skipped.empty()) report["skipped"] = scan.skipped;

  std::vector<const io::DicomSeries*> chosen;
  if (args.has("--series")) {
    chosen.push_back(&io::selectSeries(scan, args.value("--series"), path));
  } else {
    for (const auto& s : scan.series)
      if (s.hasPixels) chosen.push_back(&s);
  }
  if (chosen.empty()) throw inputError(path.string(), "holds no image: no DICOM series with pixel data");
  for (const io::DicomSeries* s : chosen) {
    try {
      std::vector<std::string> notes;
      const Volume v = io::loadDicomSeries(*s, options, &notes);
      json d = describeVolume(v, notes);
      d["series_uid"] = s->seriesUid;
      report["volumes"].push_back(d);
    } catch (const Error& e) {
      // One broken series is reported and the others are still described.
      report["volumes"].push_back({{"series_uid", s->seriesUid}, {"error", e.what()}});
      failed = true;
    }
  }
  return report;
}

json fileReport(const fs::path& path, const io::FileFormat format, const io::ReadOptions& options) {
  std::vector<std::string> notes;
  const Volume v = io::readVolume(path, options, &notes);
  const std::string name = format == io::FileFormat::Registered ? io::registeredReaderFor(path) : io::formatName(format);
  return {{"path", path.string()}, {"format", name}, {"volumes", {describeVolume(v, notes)}}};
}

}  // namespace

int runInfo(const std::vector<std::string>& argv) {
  ArgParser args("krait info [options] PATH...",
                 "Describes each image file (NIfTI, NRRD, MetaImage, DICOM) or DICOM folder: size, spacing,\n"
                 "origin, direction and orientation in LPS, voxel type and value range; for DICOM, the series.",
                 {{"--json", "", "one JSON object per PATH, one per line"},
                  {"--series", "UID", "describe only this DICOM series"},
                  {"--no-resample", "", "refuse DICOM series with uneven slices or gantry tilt instead of resampling"},
                  {"--threads", "N", "CPU threads (default 0: every core)"},
                  {"--verbose", "", "also show DCMTK's own messages about the DICOM files read"}},
                 SIZE_MAX);
  if (args.parseOrShowHelp(argv)) return 0;
  if (args.positionals().empty()) throw Error(ErrorKind::Usage, "krait info needs at least one PATH (see --help)");
  initEngineFromArgs(args);
  io::ReadOptions options;
  options.seriesUid = args.value("--series");
  if (args.has("--no-resample")) options.dicom.irregular = io::IrregularSlices::Refuse;

  int status = 0;
  for (const std::string& p : args.positionals()) {
    json report;
    bool failed = false;
    try {
      const io::FileFormat format = io::detectFormat(p);
      report = format == io::FileFormat::Dicom || format == io::FileFormat::Unknown
                   ? dicomReport(p, args, options.dicom, failed)
                   : fileReport(p, format, options);
    } catch (const Error& e) {
      // Later paths are still described; the exit code reports the first failure.
      std::cerr << "krait info: " << e.what() << "\n";
      if (args.has("--json")) std::cout << json{{"path", p}, {"error", e.what()}}.dump() << "\n";
      if (status == 0) status = exitCodeFor(e.kind());
      continue;
    }
    if (failed && status == 0) status = exitCodeFor(ErrorKind::Input);
    if (args.has("--json"))
      std::cout << report.dump() << "\n";
    else
      std::cout << renderInfoText(report);
    for (const auto& v : report["volumes"])
      if (v.contains("error")) std::cerr << "krait info: " << v["error"].get<std::string>() << "\n";
  }
  return status;
}

}  // namespace krait::cli
