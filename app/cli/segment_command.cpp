#include <iostream>

#include "arg_parser.h"
#include "case_runner.h"
#include "commands.h"
#include "interrupt.h"
#include "krait/core/error.h"
#include "krait/core/threads.h"
#include "krait/models/segmentation_model.h"
#include "progress_bar.h"
#include "segmentation_report.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace krait::cli {

int runSegment(const std::vector<std::string>& argv) {
  ArgParser args("krait segment -m MODEL -i INPUT [-i INPUT ...] -o OUTPUT [options]",
                 "Segments one image with an nnU-Net model (U-Mamba, LightM-UNet, Swin-UMamba) exactly as the\n"
                 "official nnUNetv2_predict does. INPUT is an image file, the case's channel files (one -i each,\n"
                 "or just <case>_0000.nii.gz), or a DICOM folder. The mask is written on the input's grid.",
                 {{"-m", "MODEL", "stored model name or nnU-Net model folder (plans.json, dataset.json, fold_*/)"},
                  {"-i", "INPUT", "image, channel file or DICOM folder; repeat for several channels"},
                  {"-o", "OUTPUT", "label image to write (.nii.gz, .nii, .nrrd, .mha, ...)"},
                  {"--device", "DEVICE", "cpu (default), cuda or cuda:N"},
                  {"--tta", "", "test-time mirroring over the checkpoint's allowed axes (8x slower in 3D)"},
                  {"--step", "S", "tile step as a fraction of the patch, in (0, 1] (default 0.5)"},
                  {"--precision", "P", "fp32 (default), or on a GPU fp16 or bf16 (Mamba layers stay fp32)"},
                  {"--tile-batch", "N", "tiles per network call (default 1; halved when the GPU runs out of memory)"},
                  {"--folds", "F,F", "folds to ensemble, e.g. 0,1 or all (default: every fold present)"},
                  {"--checkpoint", "NAME", "checkpoint file in each fold folder (default checkpoint_final.pth)"},
                  {"--probabilities", "FILE", "also write the class probabilities as a 4D image"},
                  {"--series", "UID", "DICOM folder input: the series to segment"},
                  {"--threads", "N", "CPU threads (default: all cores)"},
                  {"--models-dir", "DIR", "the model store (default: $KRAIT_MODELS or ~/.local/share/krait/models)"},
                  {"--quiet", "", "no progress display and no summary"},
                  {"--json", "", "print a JSON report on stdout instead of the summary"}});
  if (args.parseOrShowHelp(argv)) return 0;
  for (const char* required : {"-m", "-i", "-o"})
    if (!args.has(required)) throw Error(ErrorKind::Usage, std::string("missing ") + required + " (see --help)");
  const fs::path output = args.value("-o");
  io::outputFormat(output);  // an unsupported extension fails before any work
  if (args.has("--probabilities")) io::outputFormat(args.value("--probabilities"));
  const int threads = configureThreads(args.intValue("--threads", 0));
  if (args.value("--device").find(',') != std::string::npos)
    throw Error(ErrorKind::Usage, "krait segment runs on one device; krait batch spreads cases over several");
  const torch::Device device = parseDevice(args.value("--device", "cpu"));

  PipelineOptions options = pipelineOptions(args, device);
  const models::Precision precision = precisionFromArgs(args, device);
  const models::SegmentationModel model = loadModelFromArgs(args);
  CaseRun run;
  run.inputs = args.values("-i");
  run.output = output;
  run.probabilities = args.value("--probabilities");
  run.read.seriesUid = args.value("--series");

  options.cancelled = installInterruptFlag();
  ProgressBar bar(!args.has("--quiet") && !args.has("--json"));
  options.progress = [&bar](const PipelineProgress& p) { bar.update(p); };
  json report;
  try {
    report = runCase(model, model.predictors(device, precision), run, options, threads);
    report["precision"] = models::precisionName(precision);
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
