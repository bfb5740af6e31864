#include "batch_console.h"

#include <iostream>

namespace krait::cli {

void BatchConsole::startProgress(const std::string& label) {
  const std::lock_guard<std::mutex> lock(mutex_);
  bar_.finish();
  bar_ = ProgressBar(showProgress_, label);
}

void BatchConsole::progress(const Progress& p) {
  const std::lock_guard<std::mutex> lock(mutex_);
  bar_.update(p);
}

void BatchConsole::endProgress() {
  const std::lock_guard<std::mutex> lock(mutex_);
  bar_.finish();
}

void BatchConsole::out(const std::string& text) {
  const std::lock_guard<std::mutex> lock(mutex_);
  bar_.finish();
  std::cout << text;
}

void BatchConsole::err(const std::string& text) {
  const std::lock_guard<std::mutex> lock(mutex_);
  bar_.finish();
  std::cerr << text;
}

}  // namespace krait::cli
