#include "batch_run.h"

#include <pthread.h>
#include <sched.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <optional>
#include <sstream>
#include <thread>

#include "case_runner.h"
#include "krait/base/atomic_output.h"
#include "krait/base/error.h"
#include "krait/base/process_memory.h"
#include "segmentation_options.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace krait::cli {

// A case as it goes from a worker's reader to its segmenter and writer.
struct BatchRun::WorkerCase {
  size_t index = 0;
  CaseRun run;
  fs::path report;
  bool skipped = false;
  std::optional<ReadCase> read;
  std::optional<SegmentedCase> segmented;
  std::optional<std::string> error;  // why the case failed
};

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

// "[3/40]": the case's place in the batch, as its progress line and its line when done show it.
std::string place(size_t index, size_t count) {
  std::ostringstream text;
  text << "[" << index + 1 << "/" << count << "]";
  return text.str();
}

// Why the case failed, for its report. An output that cannot be written (a full disk, a folder turned read-only)
// is not the case's fault and would fail every case after it: rethrown, it stops the batch (exit 4), and a rerun
// resumes once it is fixed.
std::string caseFailure(const Error& e) {
  if (e.kind() == ErrorKind::Output) throw;
  return e.what();
}

// A folder where the case's mask or probabilities go fails that case alone: a full disk or a read-only folder
// would fail every case after it, and stops the batch instead. Checked before anything is written, so that the
// case leaves no probabilities without their mask.
std::optional<std::string> folderInTheWay(const CaseRun& run) {
  std::error_code ec;
  for (const fs::path& p : {run.output, run.probabilities})
    if (!p.empty() && fs::is_directory(p, ec)) return outputError(p.string(), "is a folder").what();
  return std::nullopt;
}

// The reader and writer leave the cores to the segmentation (SCHED_IDLE): an extra thread of the same priority
// would hold up every parallel region of LibTorch's intra-op threads that it shares a core with. They take what
// the segmentation leaves idle (a GPU's network stage, the serial steps between parallel ones), and every core
// while it waits for them. Where the policy is refused, they run as they are.
void yieldToSegmentation() {
  const sched_param none{};
  pthread_setschedparam(pthread_self(), SCHED_IDLE, &none);
}

}  // namespace

BatchRun::BatchRun(const std::vector<BatchCase>& cases, BatchSettings settings, const std::atomic<bool>* interrupted)
    : cases_(cases), settings_(std::move(settings)), interrupted_(interrupted), console_(settings_.showProgress) {}

void BatchRun::work(Segmenter& segmenter) {
  Handoff reads, writes;
  std::thread reader([&] {
    yieldToSegmentation();
    guarded([&] { readCases(segmenter, reads); });
    reads.close();
  });
  std::thread writer([&] {
    yieldToSegmentation();
    guarded([&] { writeCases(segmenter, writes); });
    writes.close();
  });
  guarded([&] { segmentCases(segmenter, reads, writes); });
  reads.close();
  writes.close();
  reader.join();
  writer.join();
}

void BatchRun::readCases(const Segmenter& segmenter, Handoff& reads) {
  while (!stop_ && reads.waitForRoom()) {
    const size_t i = next_++;
    if (i >= cases_.size()) return;
    const BatchCase& bc = cases_[i];
    WorkerCase c;
    c.index = i;
    c.run.inputs = bc.inputs;
    c.run.output = settings_.outDir / (bc.id + settings_.ext);
    if (settings_.probabilities) c.run.probabilities = settings_.outDir / (bc.id + "_probabilities" + settings_.ext);
    c.report = settings_.outDir / (bc.id + ".json");
    if (alreadyDone(c.report, c.run.output, settings_.checksum)) {
      c.skipped = true;
    } else {
      // A run of this shard that was killed mid-case (a requeued Slurm task, a restarted pod) left its staging
      // folders; this worker alone writes this case, so they are abandoned.
      for (const fs::path& p : {c.run.output, c.report, c.run.probabilities})
        if (!p.empty()) removeAbandonedStaging(p);
      try {
        c.read = readCaseInputs(segmenter, c.run);
      } catch (const Error& e) {
        c.error = caseFailure(e);
      }
    }
    const bool holdsVolumes = c.read.has_value();
    if (!reads.push(std::move(c), holdsVolumes)) return;
  }
}

void BatchRun::segmentCases(Segmenter& segmenter, Handoff& reads, Handoff& writes) {
  const ProgressCallback progress = [&](const Progress& p) {
    console_.progress(p);
    return !*interrupted_ && !stop_;
  };
  while (!stop_) {
    std::optional<WorkerCase> c = reads.pop();
    if (!c) return;
    if (c->read) {
      ReadCase read = std::move(*c->read);
      c->read.reset();
      reads.release();  // the reader goes on with the next case meanwhile
      const std::string& id = cases_[c->index].id;
      console_.startProgress(place(c->index, cases_.size()) + " " + id + "  ");
      bool cancelled = false;
      try {
        // The high-water mark while this case is segmented: the next case's read and the previous one's write
        // run meanwhile, and count too.
        resetPeakMemory();
        c->segmented = segmentCase(segmenter, c->run, std::move(read), progress);
      } catch (const Error& e) {
        cancelled = e.kind() == ErrorKind::Cancelled;
        if (!cancelled) c->error = caseFailure(e);
      }
      console_.endProgress();
      if (cancelled) {
        // By the user, or by a failure elsewhere that stops the batch (which rethrowFailure then says).
        if (!stop_) {
          cancelled_ = true;
          console_.err("krait batch: cancelled at case " + id + "\n");
        }
        return;
      }
    }
    const bool holdsVolumes = c->segmented.has_value();
    if (!writes.push(std::move(*c), holdsVolumes)) return;
  }
}

void BatchRun::writeCases(const Segmenter& segmenter, Handoff& writes) {
  while (!stop_) {
    std::optional<WorkerCase> c = writes.pop();
    if (!c) return;
    const bool holdsVolumes = c->segmented.has_value();
    finish(segmenter, std::move(*c));
    if (holdsVolumes) writes.release();
  }
}

void BatchRun::finish(const Segmenter& segmenter, WorkerCase c) {
  const BatchCase& bc = cases_[c.index];
  if (c.skipped) {
    ++skipped_;
    if (settings_.asJson) console_.out(json{{"case", bc.id}, {"status", "skipped"}}.dump() + "\n");
    return;
  }
  json report;
  if (c.segmented) c.error = folderInTheWay(c.run);
  if (c.segmented && !c.error) {
    try {
      report = writeCaseOutputs(segmenter, c.run, *c.segmented);
      report["status"] = "ok";
    } catch (const Error& e) {
      c.error = caseFailure(e);
    }
  }
  const bool ok = !c.error;
  if (!ok) {
    report = {{"inputs", bc.inputs}, {"status", "failed"}, {"error", *c.error}, {"versions", versionsReport()}};
    console_.err("krait batch: case " + bc.id + " failed: " + *c.error + "\n");
  }
  report["case"] = bc.id;
  report["model"]["checksum"] = settings_.checksum;
  writeReport(report, c.report);
  ++(ok ? done_ : failed_);
  if (settings_.asJson) {
    console_.out(json{{"case", bc.id}, {"status", report["status"]}, {"report", c.report.string()}}.dump() + "\n");
  } else if (!settings_.quiet && ok) {
    std::ostringstream line;
    line << place(c.index, cases_.size()) << " " << bc.id << ": " << report["labels"].size()
         << " labels, network " << std::fixed << std::setprecision(1) << report["seconds"]["network"].get<double>()
         << std::defaultfloat << " s (" << report["device"].get<std::string>() << ")\n";
    console_.out(line.str());
  }
}

void BatchRun::guarded(const std::function<void()>& stage) {
  try {
    stage();
  } catch (...) {
    const std::lock_guard<std::mutex> lock(failureMutex_);
    if (!failure_) failure_ = std::current_exception();
    stop_ = true;
  }
}

void BatchRun::rethrowFailure() const {
  const std::lock_guard<std::mutex> lock(failureMutex_);
  if (failure_) std::rethrow_exception(failure_);
}

}  // namespace krait::cli
