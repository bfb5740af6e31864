#include <atomic>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <exception>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <thread>

#include "arg_parser.h"
#include "batch_cases.h"
#include "case_runner.h"
#include "commands.h"
#include "interrupt.h"
#include "krait/base/atomic_output.h"
#include "krait/base/error.h"
#include "progress_bar.h"
#include "segmentation_options.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace krait::cli {
namespace {

// A case is done when its report says so for this very model and its mask is there.
bool alreadyDone(const fs::path& report, const fs::path& mask, const std::string& checksum) {
  if (!fs::exists(report) || !fs::exists(mask)) return false;
  std::ifstream in(report);
  const json r = json::parse(in, nullptr, false);
  return !r.is_discarded() && r.value("status", "") == "ok" && r.contains("model") &&
         r.at("model").value("checksum", "") == checksum;
}

void writeReport(const json& report, const fs::path& path) {
  AtomicOutput out(path);
  {
    std::ofstream f(out.stagingPath());
    f << report.dump(2) << "\n";
    f.flush();
    if (!f) throw outputError(path.string(), std::string("cannot write the case report: ") + std::strerror(errno));
  }
  out.commit();
}

}  // namespace

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
  const std::string checksum = workers[0].model().checksum;
  const std::atomic<bool>* interrupted = installInterruptFlag();
  const bool quiet = args.has("--quiet"), asJson = args.has("--json");
  // The progress line only makes sense for one case at a time.
  const bool showProgress = !quiet && !asJson && workers.size() == 1;

  std::mutex output;
  std::atomic<size_t> next{0};
  std::atomic<bool> cancelled{false}, stop{false};
  std::exception_ptr error;  // the first failure that is not a case's own (an unwritable report, ...)
  int done = 0, skipped = 0, failed = 0;
  const auto work = [&](Segmenter& worker) {
    for (size_t i = next++; i < cases.size() && !stop; i = next++) {
      const BatchCase& c = cases[i];
      const fs::path mask = outDir / (c.id + ext), reportPath = outDir / (c.id + ".json");
      if (alreadyDone(reportPath, mask, checksum)) {
        const std::lock_guard<std::mutex> lock(output);
        ++skipped;
        if (asJson) std::cout << json{{"case", c.id}, {"status", "skipped"}}.dump() << "\n";
        continue;
      }
      CaseRun run{c.inputs, mask, args.has("--probabilities") ? outDir / (c.id + "_probabilities" + ext) : fs::path(), {}, {}};
      // A run of this shard that was killed mid-case (a requeued Slurm task, a restarted pod) left its staging
      // folders; this worker alone writes this case, so they are abandoned.
      for (const fs::path& p : {mask, reportPath, run.probabilities})
        if (!p.empty()) removeAbandonedStaging(p);
      ProgressBar bar(showProgress);
      json report;
      bool ok = false;
      try {
        report = runCase(worker, run, [&](const Progress& p) {
          bar.update(p);
          return !*interrupted;
        });
        report["status"] = "ok";
        ok = true;
      } catch (const Error& e) {
        bar.finish();
        if (e.kind() == ErrorKind::Cancelled) {
          cancelled = stop = true;
          const std::lock_guard<std::mutex> lock(output);
          std::cerr << "krait batch: cancelled at case " << c.id << "\n";
          return;
        }
        // An output that cannot be written (a full disk, a folder turned read-only) is not this case's fault and
        // would fail every case after it: the batch stops (exit 4) and a rerun resumes once it is fixed.
        if (e.kind() == ErrorKind::Output) throw;
        report = {{"inputs", c.inputs}, {"status", "failed"}, {"error", e.what()}, {"versions", versionsReport()}};
        const std::lock_guard<std::mutex> lock(output);
        std::cerr << "krait batch: case " << c.id << " failed: " << e.what() << "\n";
      }
      bar.finish();
      report["case"] = c.id;
      report["model"]["checksum"] = checksum;
      writeReport(report, reportPath);
      const std::lock_guard<std::mutex> lock(output);
      ++(ok ? done : failed);
      if (asJson) std::cout << json{{"case", c.id}, {"status", report["status"]}, {"report", reportPath.string()}}.dump() << "\n";
      else if (!quiet && ok)
        std::cout << "[" << i + 1 << "/" << cases.size() << "] " << c.id << ": " << report["labels"].size()
                  << " labels, network " << std::fixed << std::setprecision(1) << report["seconds"]["network"].get<double>()
                  << std::defaultfloat << " s (" << report["device"].get<std::string>() << ")\n";
    }
  };
  const auto guarded = [&](Segmenter& worker) {
    try {
      work(worker);
    } catch (...) {
      const std::lock_guard<std::mutex> lock(output);
      if (!error) error = std::current_exception();
      stop = true;
    }
  };
  std::vector<std::thread> extraDevices;
  for (size_t w = 1; w < workers.size(); ++w) extraDevices.emplace_back(guarded, std::ref(workers[w]));
  guarded(workers[0]);
  for (std::thread& t : extraDevices) t.join();
  if (error) std::rethrow_exception(error);
  if (cancelled) {
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
