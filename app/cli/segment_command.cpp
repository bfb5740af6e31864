#include <iostream>
#include <optional>

#include "arg_parser.h"
#include "case_runner.h"
#include "commands.h"
#include "interrupt.h"
#include "krait/base/error.h"
#include "pacs_case.h"
#include "progress_bar.h"
#include "seg_output.h"
#include "segmentation_options.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace krait::cli {
namespace {

// --seg needs a DICOM input, since a SEG references the series it segments; --uid-root means nothing without it.
void checkSegOption(const ArgParser& args) {
  if (!args.has("--seg")) {
    if (args.has("--uid-root")) throw Error(ErrorKind::Usage, "--uid-root does not apply: it is for --seg's DICOM SEG");
    return;
  }
  const fs::path seg = args.value("--seg"), input = args.values("-i").front();
  if (!isSegFileName(seg)) throw Error(ErrorKind::Usage, seg.string() + ": --seg writes a DICOM SEG, a .dcm file");
  io::checkOutputFolder(seg);  // before the model loads, as -o is
  std::error_code ec;
  // A missing input is reported as such when it is read.
  if (fs::exists(input, ec) && io::detectFormat(input) != io::FileFormat::Dicom)
    throw Error(ErrorKind::Usage, input.string() + ": is not DICOM, and --seg writes a DICOM SEG, which must reference "
                                                   "the DICOM series it segments (-i DICOM_FOLDER); use -o for a mask");
}

}  // namespace

int runSegment(const std::vector<std::string>& argv) {
  std::vector<OptionSpec> options{
      {"-i", "INPUT", "image, channel file or DICOM folder; repeat for several channels"},
      {"-o", "OUTPUT", "label image to write (.nii.gz, .nii, .nrrd, .mha, ...)"},
      {"--probabilities", "FILE", "also write the class probabilities as a 4D image"},
      {"--series", "UID", "DICOM folder input: the series to segment"},
      {"--seg", "FILE", "DICOM input: also (without -o, only) write the mask as a DICOM SEG (.dcm) of the series"},
      {"--uid-root", "ROOT", "--seg: root of the SEG's new UIDs (your organisation's; default DCMTK's)"},
      {"--pacs", "", "pull --series of --study from a PACS node, segment it and send the SEG back (docs/pacs.md)"},
      {"--study", "UID", "--pacs: the Study Instance UID of the series"},
      {"--node", "NAME", "--pacs: the node (default: the PACS settings' default)"},
      {"--pacs-config", "FILE", "--pacs: the PACS settings (default: $KRAIT_PACS_CONFIG or ~/.config/krait/pacs.json)"}};
  for (OptionSpec& o : segmentationOptions(false)) options.push_back(std::move(o));
  ArgParser args("krait segment -m MODEL (-i INPUT [-i INPUT ...] | --pacs --study UID --series UID) [-o OUTPUT] [--seg FILE] [options]",
                 "Segments one image with an nnU-Net model (U-Mamba, LightM-UNet, Swin-UMamba, or a plugin's\n"
                 "network) as the official nnUNetv2_predict does, test-time mirroring included. INPUT is an image\n"
                 "file, the case's channel files (one -i each, or just <case>_0000.nii.gz), or a DICOM folder. The\n"
                 "mask is written on the input's grid; for a DICOM input also, or only, as a DICOM SEG (--seg). With\n"
                 "--pacs the series comes from a PACS node and its SEG goes back to it.",
                 options);
  args.setHints(segmentationHints());
  if (args.parseOrShowHelp(argv)) return 0;
  if (!args.has("-m")) throw Error(ErrorKind::Usage, "missing -m (see --help)");
  checkPacsOptions(args);
  if (!args.has("-i") && !args.has("--pacs")) throw Error(ErrorKind::Usage, "missing -i (or --pacs; see --help)");
  if (!args.has("-o") && !args.has("--seg") && !args.has("--pacs"))
    throw Error(ErrorKind::Usage, "missing -o (or --seg for a DICOM input; see --help)");
  if (!args.has("--pacs")) checkSegOption(args);
  else if (args.has("--seg") && !isSegFileName(args.value("--seg")))
    throw Error(ErrorKind::Usage, args.value("--seg") + ": --seg writes a DICOM SEG, a .dcm file");
  const fs::path output = args.value("-o");
  // A wrong extension, a missing or read-only folder fail before any work, not after hours of it.
  if (!output.empty()) io::checkOutputFile(output);
  if (args.has("--probabilities")) io::checkOutputFile(args.value("--probabilities"));
  if (args.value("--device").find(',') != std::string::npos)
    throw Error(ErrorKind::Usage, "krait segment runs on one device; krait batch spreads cases over several");
  initEngineFromArgs(args);
  Segmenter segmenter(args.value("-m"), segmenterOptions(args, args.value("--device", "cpu")));

  // With --pacs: the node's settings before the model loads, the series once it has (a broken model costs no
  // transfer), and the SEG goes to a temporary file unless --seg keeps it.
  std::optional<PacsCase> pacs;
  if (args.has("--pacs")) pacs.emplace(args);
  CaseRun run;
  run.inputs = pacs ? std::vector<std::string>{pacs->retrieve().string()} : args.values("-i");
  run.output = output;
  run.probabilities = args.value("--probabilities");
  run.read.seriesUid = args.value("--series");
  // The SEG is checked (series, names, UID root, folder) once the model has named its segments: before any work.
  if (args.has("--seg") || pacs)
    run.seg = segTarget(args.has("--seg") ? fs::path(args.value("--seg")) : pacs->defaultSegFile(),
                        dicomSeriesIn(run.inputs.front(), run.read.seriesUid), modelSegments(segmenter.model()),
                        &segmenter.model(), args.value("--uid-root"));
  const std::atomic<bool>* interrupted = installInterruptFlag();
  ProgressBar bar(!args.has("--quiet") && !args.has("--json"));
  json report;
  try {
    report = runCase(segmenter, run, [&](const Progress& p) {
      bar.update(p);
      return !*interrupted;
    });
  } catch (...) {
    bar.finish();
    throw;
  }
  bar.finish();
  if (pacs) {
    report["pacs"] = pacs->send(run.seg->file);
    if (!args.has("--seg")) report.erase("seg");  // a temporary file, gone with the case
  }
  if (args.has("--json")) std::cout << report.dump() << "\n";
  else if (!args.has("--quiet")) std::cout << renderSegmentationSummary(report);
  return 0;
}

}  // namespace krait::cli
