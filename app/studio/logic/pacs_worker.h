#pragma once
// The PACS browser's network work off the GUI thread: one task at a time (echo, a study or series query, a
// retrieve, a SEG sent) through krait_io's PACS client on its own thread, as a SegmentationJob runs a model. The
// window polls busy() and take()s the result; a failure is the library's message. DCMTK cannot abandon an
// association half-way, so there is no cancel: every call is bounded by the node's timeout.
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dicom_seg_labels.h"
#include "krait/io/pacs.h"
#include "pacs_listing.h"

namespace krait::studio {

enum class PacsTask { Echo, Studies, Series, Retrieve, Send };

struct PacsResult {
  PacsTask task = PacsTask::Echo;
  std::string node;
  std::vector<io::QueryMatch> matches;  // Studies, Series
  std::string seriesUid;                // Retrieve: the series asked for
  std::filesystem::path folder;         // Retrieve: where it now is
  std::size_t files = 0;                // Retrieve: instances in the folder; Send: files the node stored
  std::string error;                    // empty on success, else what went wrong
};

class PacsWorker {
 public:
  explicit PacsWorker(io::PacsSettings settings) : settings_(std::move(settings)) {}
  PacsWorker(const PacsWorker&) = delete;
  PacsWorker& operator=(const PacsWorker&) = delete;
  ~PacsWorker();  // waits for the task under way (at worst the node's timeout)

  const io::PacsSettings& settings() const { return settings_; }
  // Each starts a task on the node named `node`; throws Error(Usage) while another is under way.
  void echo(const std::string& node);
  void findStudies(const std::string& node, const StudyFilter& filter);
  void findSeries(const std::string& node, const std::string& studyUid);
  void retrieve(const std::string& node, const std::string& studyUid, const std::string& seriesUid,
                const std::filesystem::path& folder);
  // Writes the SEG to a temporary folder, sends it (C-STORE) and removes the folder.
  void sendSeg(const std::string& node, SegDocument seg);

  bool busy() const;
  // The finished task's result, once; nullopt while it runs or when already taken.
  std::optional<PacsResult> take();
  void wait();

 private:
  void start(PacsTask task, const std::string& node, std::function<void(const io::PacsNode&, PacsResult&)> work);

  const io::PacsSettings settings_;
  mutable std::mutex mutex_;
  std::thread thread_;
  bool busy_ = false;
  std::optional<PacsResult> result_;
};

}  // namespace krait::studio
