#include <iostream>

#include "arg_parser.h"
#include "case_runner.h"
#include "commands.h"
#include "interrupt.h"
#include "krait/base/error.h"
#include "progress_bar.h"
#include "segmentation_options.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace krait::cli {

int runSegment(const std::vector<std::string>& argv) {
  std::vector<OptionSpec> options{
      {"-i", "INPUT", "image, channel file or DICOM folder; repeat for several channels"},
      {"-o", "OUTPUT", "label image to write (.nii.gz, .nii, .nrrd, .mha, ...)"},
      {"--probabilities", "FILE", "also write the class probabilities as a 4D image"},
      {"--series", "UID", "DICOM folder input: the series to segment"}};
  for (OptionSpec& o : segmentationOptions(false)) options.push_back(std::move(o));
  ArgParser args("krait segment -m MODEL -i INPUT [-i INPUT ...] -o OUTPUT [options]",
                 "Segments one image with an nnU-Net model (U-Mamba, LightM-UNet, Swin-UMamba, or a plugin's\n"
                 "network) as the official nnUNetv2_predict does, test-time mirroring included. INPUT is an image\n"
                 "file, the case's channel files (one -i each, or just <case>_0000.nii.gz), or a DICOM folder. The\n"
                 "mask is written on the input's grid.",
                 options);
  args.setHints(segmentationHints());
  if (args.parseOrShowHelp(argv)) return 0;
  for (const char* required : {"-m", "-i", "-o"})
    if (!args.has(required)) throw Error(ErrorKind::Usage, std::string("missing ") + required + " (see --help)");
  const fs::path output = args.value("-o");
  // A wrong extension, a missing or read-only folder fail before any work, not after hours of it.
  io::checkOutputFile(output);
  if (args.has("--probabilities")) io::checkOutputFile(args.value("--probabilities"));
  if (args.value("--device").find(',') != std::string::npos)
    throw Error(ErrorKind::Usage, "krait segment runs on one device; krait batch spreads cases over several");
  initEngineFromArgs(args);
  Segmenter segmenter(args.value("-m"), segmenterOptions(args, args.value("--device", "cpu")));

  CaseRun run;
  run.inputs = args.values("-i");
  run.output = output;
  run.probabilities = args.value("--probabilities");
  run.read.seriesUid = args.value("--series");
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
  if (args.has("--json")) std::cout << report.dump() << "\n";
  else if (!args.has("--quiet")) std::cout << renderSegmentationSummary(report);
  return 0;
}

}  // namespace krait::cli
