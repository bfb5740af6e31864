#include "pacs_worker.h"

#include <cstdlib>
#include <system_error>

#include "krait/base/error.h"

namespace fs = std::filesystem;

namespace krait::studio {
namespace {

// A private folder for the SEG on its way to the node, removed with what it holds.
class SendFolder {
 public:
  SendFolder() {
    std::string name = (fs::temp_directory_path() / "krait-seg-XXXXXX").string();
    if (!mkdtemp(name.data())) throw outputError(name, "a temporary folder for the SEG cannot be made");
    path_ = name;
  }
  ~SendFolder() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  SendFolder(const SendFolder&) = delete;
  SendFolder& operator=(const SendFolder&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

}  // namespace

PacsWorker::~PacsWorker() { wait(); }

void PacsWorker::start(PacsTask task, const std::string& node, std::function<void(const io::PacsNode&, PacsResult&)> work) {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (busy_) throw Error(ErrorKind::Usage, "the PACS browser is still busy with its last request");
    busy_ = true;
    result_.reset();
  }
  wait();  // the finished thread of the last task
  thread_ = std::thread([this, task, node, work = std::move(work)] {
    PacsResult result;
    result.task = task;
    result.node = node;
    try {
      work(settings_.node(node), result);
    } catch (const std::exception& e) {
      result.error = e.what();
    }
    const std::lock_guard<std::mutex> lock(mutex_);
    result_ = std::move(result);
    busy_ = false;
  });
}

void PacsWorker::echo(const std::string& node) {
  start(PacsTask::Echo, node, [this](const io::PacsNode& n, PacsResult&) { io::pacsEcho(settings_, n); });
}

void PacsWorker::findStudies(const std::string& node, const StudyFilter& filter) {
  start(PacsTask::Studies, node, [this, filter](const io::PacsNode& n, PacsResult& r) {
    r.matches = io::pacsFind(settings_, n, io::QueryLevel::Study, studyKeys(filter));
  });
}

void PacsWorker::findSeries(const std::string& node, const std::string& studyUid) {
  start(PacsTask::Series, node, [this, studyUid](const io::PacsNode& n, PacsResult& r) {
    r.matches = io::pacsFind(settings_, n, io::QueryLevel::Series, {{"StudyInstanceUID", studyUid}});
  });
}

void PacsWorker::retrieve(const std::string& node, const std::string& studyUid, const std::string& seriesUid,
                          const fs::path& folder) {
  start(PacsTask::Retrieve, node, [this, studyUid, seriesUid, folder](const io::PacsNode& n, PacsResult& r) {
    r.seriesUid = seriesUid;
    r.files = io::pacsRetrieveSeries(settings_, n, studyUid, seriesUid, folder).files.size();
    r.folder = folder;
  });
}

void PacsWorker::sendSeg(const std::string& node, SegDocument seg) {
  start(PacsTask::Send, node, [this, seg = std::move(seg)](const io::PacsNode& n, PacsResult& r) {
    const SendFolder folder;
    const fs::path file = folder.path() / "seg.dcm";
    writeSeg(seg, file);
    io::pacsSend(settings_, n, {file});
    r.files = 1;
  });
}

bool PacsWorker::busy() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return busy_;
}

std::optional<PacsResult> PacsWorker::take() {
  const std::lock_guard<std::mutex> lock(mutex_);
  std::optional<PacsResult> out = std::move(result_);
  result_.reset();
  return out;
}

void PacsWorker::wait() {
  if (thread_.joinable()) thread_.join();
}

}  // namespace krait::studio
