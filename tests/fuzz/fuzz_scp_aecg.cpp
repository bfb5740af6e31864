// SCP-ECG and HL7 aECG files read by ecg::readEcg through libbiosig, which runs in a forked child with a time limit
// (biosig_reader.cpp): biosig's crashes and hangs there are the documented containment and come back as FileError,
// as does any refusal. An input starting with '<' is written as record.xml, any other as record.scp. The child's
// coverage is not the parent's, so libFuzzer is guided only by what Krait does with the child's answer.
#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstring>
#include <string>

#include "ecg_reader.h"
#include "fuzz_input.h"

// Present in sanitizer builds only (weak: the replay programs of the normal build have none).
extern "C" void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));
extern "C" void __asan_set_error_report_callback(void (*callback)(const char*)) __attribute__((weak));
extern "C" void __sanitizer_set_report_fd(void* fd) __attribute__((weak));

namespace {

constexpr int kSanitizerReport = 86;
constexpr int kOutOfMemory = 87;
bool outOfMemory = false;  // in the child: the report is of memory asked for, not of a memory error

// The child inherits libFuzzer's crash handlers, which would save biosig's contained crashes as findings: it gets
// the default actions back. A sanitizer report in the child (a memory error in Krait's code there, or one that
// ASan's interceptors catch in biosig) is a finding all the same: the child exits with kSanitizerReport, which the
// FileError names, and the target aborts on it. ASan's reports of allocations it cannot make (biosig asked 355 GB
// of realloc for a mangled aECG) are not: without ASan the allocation fails inside the contained child.
// The sanitizers' reports go to the child's stderr: a forked child of a process whose report fd libFuzzer set
// (-close_fd_mask) would otherwise write them to a file ".<pid>" in the working folder.
void inChild() {
  for (const int s : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(s, SIG_DFL);
  if (__sanitizer_set_report_fd) __sanitizer_set_report_fd(reinterpret_cast<void*>(static_cast<std::uintptr_t>(STDERR_FILENO)));
  if (__asan_set_error_report_callback)
    __asan_set_error_report_callback([](const char* report) {
      for (const char* kind : {"AddressSanitizer: out-of-memory", "AddressSanitizer: allocation-size-too-big",
                               "AddressSanitizer: calloc-overflow"})
        outOfMemory = outOfMemory || std::strstr(report, kind);
    });
  if (__sanitizer_set_death_callback) __sanitizer_set_death_callback([] { _exit(outOfMemory ? kOutOfMemory : kSanitizerReport); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool hooked = (pthread_atfork(nullptr, nullptr, inChild), true);
  (void)hooked;
  try {
    krait::ecg::readEcg(krait::fuzz::writeInput(data, size, size > 0 && data[0] == '<' ? "record.xml" : "record.scp"));
  } catch (const krait::ecg::FileError& e) {
    if (std::string(e.what()).ends_with("(exit status " + std::to_string(kSanitizerReport) + ")")) std::abort();
  }
  return 0;
}
