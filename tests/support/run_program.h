#pragma once
// Runs a program (no shell: arguments need no quoting) and captures what it prints.
#include <functional>
#include <string>
#include <vector>

namespace krait::test {

struct CliResult {
  int exitCode = -1;  // 128 + the signal when it was killed
  std::string out;
  std::string err;
};

// interruptAfterSeconds >= 0: sends SIGINT (Ctrl-C) after that long.
CliResult runProgram(const std::string& executable, const std::vector<std::string>& args, double interruptAfterSeconds = -1.0);

// Sends `signal` (SIGKILL, say) once `when()` holds, checked every 10 ms while the program runs.
CliResult runProgramUntil(const std::string& executable, const std::vector<std::string>& args,
                          const std::function<bool()>& when, int signal);

}  // namespace krait::test
