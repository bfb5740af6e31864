// krait convert: a DICOM SEG to a label map on its series' grid, a label map to a DICOM SEG of its series, or
// a volume to another format. A thin front end over krait::io; the SEG side is seg_output's, shared with
// `krait segment --seg`.
#include <iostream>
#include <optional>

#include "arg_parser.h"
#include "commands.h"
#include "krait/base/error.h"
#include "krait/engine/build_info.h"
#include "krait/engine/segmenter.h"
#include "krait/io/dicom_seg.h"
#include "krait/io/volume_io.h"
#include "seg_output.h"

namespace fs = std::filesystem;

namespace krait::cli {
namespace {

// An option that means nothing for the conversion at hand is refused, never ignored.
void refuse(const ArgParser& args, const std::vector<const char*>& options, const std::string& why) {
  for (const char* o : options)
    if (args.has(o)) throw Error(ErrorKind::Usage, std::string(o) + " does not apply here: " + why);
}

bool isDicomSeg(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec) || io::detectFormat(path) != io::FileFormat::Dicom) return false;
  const io::DicomScan scan = io::scanDicom(path);
  return scan.series.size() == 1 && scan.series[0].modality == "SEG";
}

void printNotes(const std::vector<std::string>& notes) {
  for (const std::string& n : notes) std::cout << "  note: " << n << "\n";
}

int segToLabels(const ArgParser& args, const fs::path& seg, const fs::path& output) {
  refuse(args, {"-m", "--uid-root"}, seg.string() + " is a DICOM SEG, which becomes a label map");
  if (!args.has("--reference"))
    throw Error(ErrorKind::Usage, seg.string() + ": is a DICOM SEG: give --reference DICOM_DIR, the series it was made "
                                                 "from, whose grid the label map takes");
  io::checkOutputFile(output);
  const fs::path reference = args.value("--reference");
  const io::DicomSegRead read = io::readDicomSeg(seg, dicomSeriesIn(reference, args.value("--series")));
  io::writeVolume(read.labels, output, {fileNote("from DICOM SEG")});
  std::cout << "wrote " << output.string() << ": " << read.segments.size() << " segment(s) of " << seg.string()
            << " on the grid of " << reference.string() << "\n"
            << segmentLines(read.segments);
  printNotes(read.notes);
  return 0;
}

int labelsToSeg(const ArgParser& args, const fs::path& input, const fs::path& output) {
  if (!args.has("--reference"))
    throw Error(ErrorKind::Usage, output.string() + ": writing a DICOM SEG needs --reference DICOM_DIR, the series " +
                                      input.string() + " was drawn on");
  const fs::path reference = args.value("--reference");
  const io::DicomSeries series = dicomSeriesIn(reference, args.value("--series"));
  // The model only names and colours the segments; it is loaded as `krait segment` loads it, so that the
  // checksum (the algorithm's version) is the one segment reports.
  std::optional<Segmenter> segmenter;
  if (args.has("-m")) segmenter.emplace(args.value("-m"));
  const models::ModelManifest* model = segmenter ? &segmenter->model() : nullptr;
  const Volume labels = io::readVolume(input);
  const SegTarget target = segTarget(output, series, model ? modelSegments(*model) : unnamedSegments(labels), model,
                                     args.value("--uid-root"));
  // A label map of another series is a wrong input, not an output that cannot be written.
  if (const std::string differs = gridDifference(labels.geometry(), target.grid, "series"); !differs.empty())
    throw inputError(input.string(), "is not on the grid of the series in " + reference.string() + ": " + differs);
  writeSeg(labels, target);
  std::cout << "wrote " << output.string() << ": a DICOM SEG of " << input.string() << " on " << reference.string()
            << " (series " << series.seriesUid << ")\n"
            << segmentLines(target.segments);
  return 0;
}

int convertVolume(const ArgParser& args, const fs::path& input, const fs::path& output) {
  refuse(args, {"--reference", "-m", "--uid-root"},
         "it is for DICOM SEG, and neither is INPUT a DICOM SEG nor OUTPUT a .dcm file (a DICOM SEG to write)");
  if (args.has("--series") && io::detectFormat(input) != io::FileFormat::Dicom)
    throw Error(ErrorKind::Usage, "--series does not apply here: it picks a series of a DICOM INPUT, and " +
                                      input.string() + " is not DICOM");
  io::checkOutputFile(output);
  io::ReadOptions read;
  read.seriesUid = args.value("--series");
  std::vector<std::string> notes;
  io::writeVolume(io::readVolume(input, read, &notes), output);
  std::cout << "wrote " << output.string() << "\n";
  printNotes(notes);
  return 0;
}

}  // namespace

int runConvert(const std::vector<std::string>& argv) {
  const std::vector<OptionSpec> options{
      {"-i", "INPUT", "a DICOM SEG, a label map, or any image (file or DICOM folder)"},
      {"-o", "OUTPUT", "a label map or image (.nii.gz, .nii, .nrrd, .mha, ...) or a DICOM SEG (.dcm)"},
      {"--reference", "DICOM_DIR", "the DICOM series the SEG was made from, or the label map drawn on"},
      {"--series", "UID", "the series of a DICOM folder (--reference, or INPUT) holding several"},
      {"-m", "MODEL", "label map to SEG: the model whose label names and colours the segments take"},
      {"--uid-root", "ROOT", "label map to SEG: root of the new UIDs (your organisation's; default DCMTK's)"}};
  ArgParser args("krait convert -i INPUT -o OUTPUT [--reference DICOM_DIR] [--series UID] [-m MODEL] [--uid-root ROOT]",
                 "Converts between formats. A DICOM SEG INPUT becomes a label map on the grid of its --reference\n"
                 "series; a label map becomes a DICOM SEG (OUTPUT .dcm) of its --reference series, its segments\n"
                 "named and coloured as -m MODEL's labels (else \"Segment N\"); any other image is written in\n"
                 "OUTPUT's format.",
                 options);
  if (args.parseOrShowHelp(argv)) return 0;
  for (const OptionSpec& o : options)
    if (args.values(o.name).size() > 1) throw Error(ErrorKind::Usage, o.name + " is given more than once");
  for (const char* required : {"-i", "-o"})
    if (!args.has(required)) throw Error(ErrorKind::Usage, std::string("missing ") + required + " (see --help)");
  const fs::path input = args.value("-i"), output = args.value("-o");
  if (isDicomSeg(input)) return segToLabels(args, input, output);
  if (isSegFileName(output)) return labelsToSeg(args, input, output);
  return convertVolume(args, input, output);
}

}  // namespace krait::cli
