#include "interrupt.h"

#include <csignal>

namespace krait::cli {
namespace {

std::atomic<bool> interrupted{false};

extern "C" void onInterrupt(int signal) {
  interrupted.store(true);
  std::signal(signal, SIG_DFL);
}

}  // namespace

const std::atomic<bool>* installInterruptFlag() {
  std::signal(SIGINT, onInterrupt);
  std::signal(SIGTERM, onInterrupt);
  return &interrupted;
}

}  // namespace krait::cli
