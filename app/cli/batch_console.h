#pragma once
// What krait batch prints from its workers' threads: a line per case on stdout, messages on stderr and, with
// one worker, the progress line of the case being segmented. That line is cleared before any other is printed
// (the previous case's, written meanwhile) and drawn again by the next update.
#include <mutex>
#include <string>

#include "krait/engine/segmenter.h"
#include "progress_bar.h"

namespace krait::cli {

class BatchConsole {
 public:
  explicit BatchConsole(bool showProgress) : showProgress_(showProgress), bar_(false) {}
  // A case's progress line, named by `label`: its elapsed time counts from here.
  void startProgress(const std::string& label);
  void progress(const Progress& p);
  void endProgress();
  void out(const std::string& text);
  void err(const std::string& text);

 private:
  std::mutex mutex_;
  bool showProgress_;
  ProgressBar bar_;
};

}  // namespace krait::cli
