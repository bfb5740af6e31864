#include <iostream>
#include <thread>

#include "arg_parser.h"
#include "batch_cases.h"
#include "batch_run.h"
#include "commands.h"
#include "interrupt.h"
#include "krait/base/error.h"
#include "krait/io/volume_io.h"
#include "segmentation_options.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace krait::cli {

int runBatch(const std::vector<std::string>& argv) {
  std::vector<OptionSpec> options{
      {"--input-dir", "DIR", "folder of cases"},
      {"--manifest", "FILE", "cases.csv or cases.jsonl (relative paths: from the manifest's folder)"},
      {"-o", "OUTDIR", "output folder (created if missing)"},
      {"--shard", "i/N", "take every N-th case from the i-th (default: SLURM array or JOB_COMPLETION_INDEX)"},
      {"--shards", "N", "number of shards when only JOB_COMPLETION_INDEX is set"},
      {"--format", "EXT", "mask file type: nii.gz (default), nii, nrrd, mha"},
      {"--probabilities", "", "also write OUTDIR/<case>_probabilities.nii.gz"}};
  for (OptionSpec& o : segmentationOptions(true)) options.push_back(std::move(o));
  ArgParser args("krait batch -m MODEL (--input-dir DIR | --manifest FILE) -o OUTDIR [options]",
                 "Segments many cases with one model loaded once. Cases come from a folder (nnU-Net channel\n"
                 "files <case>_0000.nii.gz ..., plain images, or one DICOM folder per case) or a manifest (CSV\n"
                 "'case,image[,image...]' or JSON Lines {\"case\", \"images\"}). Each case gets OUTDIR/<case>.nii.gz\n"
                 "and OUTDIR/<case>.json; cases already done with the same model are skipped; a failing case is\n"
                 "reported and the batch goes on. Exit code 3 if any case failed.",
                 options);
  args.setHints(segmentationHints());
  if (args.parseOrShowHelp(argv)) return 0;
  if (!args.has("-m") || !args.has("-o")) throw Error(ErrorKind::Usage, "missing -m or -o (see --help)");
  if (args.has("--input-dir") == args.has("--manifest"))
    throw Error(ErrorKind::Usage, "give exactly one of --input-dir and --manifest");
  std::string ext = ".";
  ext += args.value("--format", "nii.gz");
  const fs::path outDir = args.value("-o");
  io::outputFormat(outDir / ("x" + ext));
  const Shard shard = parseShard(args.value("--shard"), args.intValue("--shards", 0));
  initEngineFromArgs(args);
  const std::vector<std::string> devices = deviceList(args.value("--device", "cpu"));

  // Masks and reports may go inside the input folder: they are never taken as cases.
  const auto cases = selectShard(args.has("--manifest") ? casesFromManifest(args.value("--manifest"))
                                                        : casesFromFolder(args.value("--input-dir"), {outDir}),
                                 shard);
  io::prepareOutputFolder(outDir);  // before the model loads: a run never ends unable to write

  // One worker per device, each with its own copy of the model, taking the next case in turn.
  std::vector<Segmenter> workers;
  for (const std::string& device : devices) workers.emplace_back(args.value("-m"), segmenterOptions(args, device));
  const bool quiet = args.has("--quiet"), asJson = args.has("--json");
  BatchSettings settings{outDir, ext, args.has("--probabilities"), workers[0].model().checksum, asJson, quiet,
                         // The progress line only makes sense for one case at a time.
                         !quiet && !asJson && workers.size() == 1};
  BatchRun batch(cases, std::move(settings), installInterruptFlag());
  std::vector<std::thread> extraDevices;
  for (size_t w = 1; w < workers.size(); ++w)
    extraDevices.emplace_back([&batch, &worker = workers[w]] { batch.work(worker); });
  batch.work(workers[0]);
  for (std::thread& t : extraDevices) t.join();
  batch.rethrowFailure();
  const int done = batch.done(), skipped = batch.skipped(), failed = batch.failed();
  if (batch.cancelled()) {
    std::cerr << "krait batch: cancelled (" << done << " done, " << skipped << " skipped, " << failed << " failed)\n";
    return exitCodeFor(ErrorKind::Cancelled);
  }
  const json summary{{"cases", cases.size()}, {"done", done}, {"skipped", skipped}, {"failed", failed},
                     {"shard", std::to_string(shard.index) + "/" + std::to_string(shard.count)}};
  if (asJson) std::cout << summary.dump() << "\n";
  else if (!quiet)
    std::cout << cases.size() << " cases: " << done << " done, " << skipped << " skipped, " << failed << " failed\n";
  return failed > 0 ? exitCodeFor(ErrorKind::Input) : 0;
}

}  // namespace krait::cli
